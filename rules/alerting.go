package rules

import (
	"fmt"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// Alert names and the labels that route them to the controller.
const (
	AlertLoadAboveTarget = "FunctionLoadAboveTarget"
	AlertLoadBelowTarget = "FunctionLoadBelowTarget"
	AlertAtZeroWithLoad  = "FunctionAtZeroWithLoad"
	// AlertStepRateHigh drives step mode (com.openfaas.scale.type=step),
	// which acts on alerts only.
	AlertStepRateHigh = "FunctionStepRateHigh"
	// AlertCEHighInvocationRate is OpenFaaS CE's alert, kept verbatim.
	AlertCEHighInvocationRate = "APIHighInvocationRate"

	// RouteLabel/RouteValue mark the alerts AlertManager routes to the
	// controller.
	RouteLabel = "service"
	RouteValue = "faas-autoscaler"
	// LoadAnnotation carries the observed load; the webhook parses it as a
	// float.
	LoadAnnotation = "load"
)

// Aggregations of the controller's gauges by function (and type). max by
// drops job/instance, which differ from the gateway's, and merges the series
// of several controller replicas (leader election) into one.
var (
	targetByFn   = fmt.Sprintf("max by (function_name, scaling_type) (%s)", metricTargetLoad)
	replicasByFn = fmt.Sprintf("max by (function_name) (%s)", metricReplicas)
	maxByFn      = fmt.Sprintf("max by (function_name) (%s)", metricMaxReplicas)
	minByFn      = fmt.Sprintf("max by (function_name) (%s)", metricMinReplicas)
	// loadByFn is CurrentLoadRecord with one series per function and type,
	// averaged as the controller reads a custom load (metricsource/
	// prometheus: avg by (function_name)). The built-in records have one
	// already; a custom one need not: OpenFaaS Pro's own latency example,
	// rate(gateway_functions_seconds_sum[30s]) /
	// rate(gateway_functions_seconds_count[30s]), keeps every gateway
	// replica's and status code's series. Compared as it was, those made the
	// one-to-one comparisons fail ("many-to-one matching must be explicit")
	// and the scale-up and scale-down rules silent for every function, and
	// sent one at-zero alert per gateway replica, with its instance label.
	// Its NaN series are left out (promql.DropNaN), as the controller
	// leaves them out: that example's ratio is 0/0 for a status code or a
	// gateway replica without a call in its range, and one such series
	// made the function's average NaN, which no comparison passes, so no
	// alert fired for it while its other series held a valid load.
	loadByFn = loadAvg(CurrentLoadRecord)
)

// loadAvg is the average of the CurrentLoadRecord series sel selects, by
// function and type, without its NaN series (loadByFn).
func loadAvg(sel string) string {
	return fmt.Sprintf("avg by (function_name, scaling_type) (%s)", promql.DropNaN(sel))
}

// stepThresholdHold is how long the step alert keeps reading the
// controller's threshold gauge after it went: a failed scrape of the
// controller at a 30 s interval or two, a restart, or a leader hand-over
// (the old leader stops exporting at once, the new one after its first
// pass). A function that leaves step mode keeps its step alert as long,
// while it is called faster than the threshold; the controller takes no
// load from an alert of another type than the function's.
const stepThresholdHold = 2 * time.Minute

// alertingRules returns the scaling alerts. All compare the function's total
// load with target × replicas, matching the controller's formula desired =
// ceil(load / target). The scale-up alert reads the fresh load where there
// is one (counter types) and CurrentLoadRecord elsewhere, so it fires one
// scrape after a step instead of once the window has filled; the scale-down
// alert reads the window's average only.
func alertingRules(o Options) []Rule {
	common := func(direction string) map[string]string {
		return map[string]string{RouteLabel: RouteValue, "direction": direction}
	}
	annotations := func(summary string) map[string]string {
		return map[string]string{
			LoadAnnotation: "{{ $value }}",
			"summary":      summary,
		}
	}
	// `or` matches on labels without the metric name: a counter type's
	// fresh record stands in for its current one.
	upLoad := fmt.Sprintf("(%s or %s)", FreshLoadRecord, loadByFn)
	above := Rule{
		Alert: AlertLoadAboveTarget,
		Expr: fmt.Sprintf(`%s
  > on (function_name, scaling_type)
    (%s * on (function_name) group_left () %s%s)
and on (function_name) (%s > 0)
and on (function_name) (%s < on (function_name) %s)`,
			upLoad, targetByFn, replicasByFn, factor(1+o.Tolerance),
			replicasByFn, replicasByFn, maxByFn),
		For:         Dur(o.ScaleUpFor),
		Labels:      common("up"),
		Annotations: annotations(`{{ $labels.function_name }}: {{ $labels.scaling_type }} load {{ $value }} is above its target times its replicas`),
	}
	if o.KeepFiringFor > 0 {
		above.KeepFiringFor = Dur(o.KeepFiringFor)
	}
	atZero := Rule{
		Alert: AlertAtZeroWithLoad,
		Expr: fmt.Sprintf(`(%s) > 0
and on (function_name, scaling_type) %s
and on (function_name) (%s == 0)
and on (function_name) (%s > 0)`,
			atZeroLoad(o), targetByFn, replicasByFn, maxByFn),
		For:         Dur(0),
		Labels:      common("up"),
		Annotations: annotations(`{{ $labels.function_name }} is at zero replicas with {{ $labels.scaling_type }} load {{ $value }}`),
	}
	// Step mode acts on alerts only, with CE's meaning: a step up per
	// firing alert while the function's invocation rate is above a
	// threshold. The controller exports that threshold as a step
	// function's target (scaling_type="step", scaler.StepAlertRate); no
	// load record has that type, so the alerts above never match it, and
	// step functions had no alert at all: they never scaled up. Unlike the
	// alerts above it keeps firing at the maximum, as CE's own rule does: in
	// step mode a resolved alert means the load is gone (exact CE drops to
	// the minimum), so an alert that resolved at the maximum took a function
	// under full load from 5 to 1, and back up, again and again. A step
	// while at the maximum changes nothing.
	//
	// For the same reason the threshold is the gauge's last value within
	// stepThresholdHold, not only its value now: the controller's series
	// go stale on a failed scrape of the controller, a restart or a leader
	// hand-over, and the alert, joined on them as they were, resolved for
	// the gap under unchanged load (CE's rule reads gateway counters only).
	// The rate counts each gateway replica once (promql.SumOverGateways).
	step := Rule{
		Alert: AlertStepRateHigh,
		Expr: fmt.Sprintf(`%s
  > on (function_name) group_left (scaling_type) max by (function_name, scaling_type) (last_over_time(%s{scaling_type="step"}[%s]))`,
			promql.SumOverGateways(fmt.Sprintf("rate(%s[%s])", metricInvocationTotal, Duration(o.Window)), true), metricTargetLoad, Duration(stepThresholdHold)),
		For:         Dur(o.ScaleUpFor),
		Labels:      common("up"),
		Annotations: annotations(`{{ $labels.function_name }}: invocation rate {{ $value }}/s is above step mode's threshold`),
	}
	out := []Rule{above, atZero, step}
	if q, ok := queuedAtZero(o); ok {
		out = append(out, q)
	}
	if o.ScaleDownAlerts {
		// Fires only when one replica fewer would still carry the load with
		// margin, and the function is above its minimum.
		out = append(out, Rule{
			Alert: AlertLoadBelowTarget,
			Expr: fmt.Sprintf(`%s
  < on (function_name, scaling_type)
    (%s * on (function_name) group_left () (%s - 1)%s)
and on (function_name) (%s > on (function_name) %s)`,
				loadByFn, targetByFn, replicasByFn, factor(1-o.Tolerance),
				replicasByFn, minByFn),
			For:         Dur(o.ScaleDownFor),
			Labels:      common("down"),
			Annotations: annotations(`{{ $labels.function_name }}: {{ $labels.scaling_type }} load {{ $value }} fits in fewer replicas`),
		})
	}
	return out
}

// ceWindow is the rate() range of CE's rule: CE's 10 s, two scrapes at
// CE's 5 s, wherever it holds two scrapes. At a longer scrape interval a
// 10 s range holds one sample, rate() has nothing, and the rule never fires
// (at 10 s, 15 s, 30 s, a review found); there it reads the options' window,
// which Validate keeps at three scrapes or more. The alert's name, labels and
// annotations, which routes, silences and dashboards match, stay CE's.
func ceWindow(o Options) time.Duration {
	const ce = 10 * time.Second
	if ce >= 2*o.ScrapeInterval {
		return ce
	}
	return o.Window
}

// ceCompatibleRule is OpenFaaS CE's alert exactly as its chart ships it
// (faas-netes prometheus-cfg.yaml), so a migrating AlertManager route keeps
// matching it; only its window follows a scrape interval longer than CE's
// (ceWindow).
func ceCompatibleRule(o Options) Rule {
	text := `High invocation total on "{{$labels.function_name}}"`
	return Rule{
		Alert:       AlertCEHighInvocationRate,
		Expr:        fmt.Sprintf(`sum(rate(gateway_function_invocation_total{code="200"}[%s])) BY (function_name) > 5`, Duration(ceWindow(o))),
		For:         Dur(5e9),
		Labels:      map[string]string{"service": "gateway", "severity": "major"},
		Annotations: map[string]string{"description": text, "summary": text},
	}
}

// factor renders a multiplication by f, or nothing when f is 1.
func factor(f float64) string {
	if f == 1 {
		return ""
	}
	return " * " + formatFloat(f)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
