package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// functionVariable lists functions as name.namespace: those the gateway has
// counted a call of, and those the controller exports (a function held at
// zero and not called since the gateway last restarted is the case the
// "At zero" and "Idle for" panels are for).
func functionVariable() *dashboard.QueryVariableBuilder {
	q := `label_values({__name__=~"gateway_function_invocation_total|faas_autoscaler_function_replicas"}, function_name)`
	return dashboard.NewQueryVariableBuilder("function").Label("Function").
		Datasource(datasource).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).Definition(q).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Sort(dashboard.VariableSortAlphabeticalAsc)
}

// Function is the Function detail dashboard for the function chosen in its
// `function` variable: load against capacity, the autoscaler's decisions
// and their reasons, its idle state, and its asynchronous backlog.
func Function() *dashboard.DashboardBuilder {
	l := &layout{}
	return dashboard.NewDashboardBuilder("Function detail").Uid(UIDFunction).
		Description("One function: load against capacity, replicas, the autoscaler's decisions with their reasons, and idle state.").
		Tags(tags).Refresh("10s").Time("now-1h", "now").Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(datasourceVariable()).
		WithVariable(functionVariable()).
		WithPanel(loadVsCapacityPanel(1, l.next(12, 8))).
		WithPanel(functionReplicasPanel(2, l.next(12, 8))).
		WithPanel(decisionsPanel(3, l.next(12, 8))).
		WithPanel(functionAlertsPanel(4, l.next(12, 8))).
		WithPanel(functionInvocationsPanel(5, l.next(12, 8))).
		WithPanel(functionLatencyPanel(6, l.next(12, 8))).
		WithPanel(lastInvocationPanel(7, l.next(12, 5))).
		WithPanel(atZeroPanel(8, l.next(12, 5))).
		WithPanel(queueBacklogPanel(9, l.next(12, 8))).
		WithPanel(queueDrainPanel(10, l.next(12, 8))).
		WithPanel(surplusPanel(11, l.next(12, 8))).
		WithPanel(concurrencyPanel(12, l.next(12, 8)))
}

// fn selects the dashboard's function.
const fn = `function_name="$function"`

// loadExpr is the function's load record, one series per scaling type,
// averaged as the controller and the generated alerts read it: a custom
// record need not be aggregated (OpenFaaS Pro's latency example keeps a
// series per gateway replica and status code), and read as it was it drew
// a line per gateway replica and failed the surplus' division by the
// target ("many-to-one matching must be explicit"). Its NaN series (0/0: a
// status code or a gateway replica without a call) are left out
// (promql.DropNaN), as the controller and the alerts leave them out: one
// of them made the whole function's line NaN, a gap, while the controller
// read a load.
var loadExpr = `avg by (function_name, scaling_type) (` + promql.DropNaN(rules.CurrentLoadRecord+`{`+fn+`}`) + `)`

// The controller's target gauge of the dashboard's function: the load one
// replica is sized for, or, for step mode, the invocation rate its alert
// fires above (scaler.StepAlertRate), which replicas do not multiply.
var (
	targetGauge      = `max by (function_name, scaling_type) (faas_autoscaler_function_target_load{` + fn + `})`
	perReplicaTarget = `max by (function_name, scaling_type) (faas_autoscaler_function_target_load{` + fn + `, scaling_type!="step"})`
	stepThreshold    = `max by (function_name, scaling_type) (faas_autoscaler_function_target_load{` + fn + `, scaling_type="step"})`
)

// stepLoad is what FunctionStepRateHigh compares with step mode's
// threshold: the function's invocation rate, all replicas and status codes
// together. No load record has the type step, so without it a step
// function (every function under --ce-defaults) had no load line, and its
// threshold, drawn as a target per replica, made a "capacity" of
// threshold × replicas the alert never compares with.
var stepLoad = `label_replace(` + promql.SumOverGateways(`rate(gateway_function_invocation_total{`+fn+`}[$__rate_interval])`, true) + `, "scaling_type", "step", "", "") and on (function_name, scaling_type) ` + stepThreshold

// upLoad is the load FunctionLoadAboveTarget compares, read as the rule
// reads it (rules' alertingRules): the counter types' fresh record (the
// larger of the last scrape interval's rate and the window's), and, where a
// type has none (gauge and custom types), the window's load. `or` matches
// on labels without the metric name, so a fresh series stands in for its
// window one. Drawing the window's load alone, as the panel did, a load step
// fired the scale-up alert one scrape in at the step's full load while the
// drawn load was a quarter of it, under the capacity line.
var upLoad = `(` + rules.FreshLoadRecord + `{` + fn + `} or ` + loadExpr + `)`

// loadVsCapacityPanel draws both loads the alerts compare with capacity:
// the scale-up alert's (fresh) one and the scale-down alert's window. Either
// alone left one alert's decisions unexplained: the window hid why a
// function scaled up, the fresh load why it has not scaled down yet.
func loadVsCapacityPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	perType := func(load string) string {
		return `(` + load + ` and on (function_name, scaling_type) ` + perReplicaTarget + `)`
	}
	return timeSeries(id, "Load vs capacity", "The function's load in its own scaling type against target per replica × replicas (capacity), as the alert rules compare them. "+
		"The scale-up alert line is what FunctionLoadAboveTarget compares: for rps and cpu the fresh load, the larger of the rate over the last scrape interval and over the window, so the alert fires one scrape after a load step; for the other types the window's load, and the two lines are one. "+
		"The window line is what FunctionLoadBelowTarget (scale down, where the rules generate it) compares: after a step it catches up over the whole window. "+
		"The scale-up alert fires once its line passes capacity by the rules' tolerance; the scale-down alert once the window line fits in one replica fewer with that tolerance to spare. "+
		"Step mode has no per-replica capacity: its scale-up line is the invocation rate, all replicas together, and its target the rate FunctionStepRateHigh fires above.", "short", pos,
		// Step mode's load shares the scale-up line: its alert is the only
		// one that compares it.
		query{perType(upLoad) + ` or ` + stepLoad, "load ({{scaling_type}}, scale-up alert)"},
		query{perType(loadExpr), "load ({{scaling_type}}, window: scale-down)"},
		query{perReplicaTarget + ` * on (function_name) group_left () max by (function_name) (faas_autoscaler_function_replicas{` + fn + `})`, "capacity ({{scaling_type}})"},
		query{targetGauge, "target ({{scaling_type}})"})
}

// concurrencyPanel shows the two parts of the capacity load (scaling type
// capacity): the in-flight gauge, sampled at each scrape, and what the
// last scrape interval's arrivals bring at the mean duration, which sees
// bursts between two samples (before the load's cap of one in flight per
// arrival). A CE gateway has no gauge; its line is then empty.
func concurrencyPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Concurrency: gauge and arrivals", "The two parts of the capacity load: requests in flight at each scrape (gateway_function_invocation_inflight; OpenFaaS CE has none), and started requests per second over the last scrape interval × the mean duration over 5 minutes (gateway_functions_seconds), which sees bursts between two scrapes. The capacity load is the larger, its peak over the window.", "short", pos,
		// Each gateway replica once, however many jobs scrape it
		// (promql.SumOverGateways), as the controller reads it.
		query{promql.SumOverGatewaysBy("", promql.MetricInflight+`{`+fn+`}`, false), "in flight (gauge)"},
		// `and` the instant selector, as promql.CapacityParts: a replaced
		// gateway pod's last rate is not drawn on top of its successor's.
		query{promql.SumOverGateways(`irate(`+promql.MetricStarted+`{`+fn+`}[$__rate_interval]) and `+promql.MetricStarted+`{`+fn+`}`, false) + ` * on (function_name) ` + promql.MeanDuration(fn), "arrivals × mean duration"})
}

func functionReplicasPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Replicas", "Desired and available replicas from the provider, the autoscaler's target, and the function's bounds.", "short", pos,
		query{`max(faas_autoscaler_function_replicas{` + fn + `})`, "desired"},
		query{`max(faas_autoscaler_function_available_replicas{` + fn + `})`, "available"},
		query{`max(faas_autoscaler_function_desired_replicas{` + fn + `})`, "autoscaler target"},
		query{`max(faas_autoscaler_function_min_replicas{` + fn + `})`, "min"},
		query{`max(faas_autoscaler_function_max_replicas{` + fn + `})`, "max"})
}

// surplusExpr is the replicas a function holds above what its load needs:
// desired replicas minus max(ceil(load / load per replica), min), the
// controller's own sizing (its target gauge is target × target-proportion).
// The need must be known: a function whose load is missing shows nothing,
// not its replicas above min (missing is not zero).
func surplusExpr() string {
	need := `max by (function_name) (ceil(` + loadExpr + ` / on (function_name, scaling_type) max by (function_name, scaling_type) (faas_autoscaler_function_target_load{` + fn + `})))`
	minr := `max by (function_name) (faas_autoscaler_function_min_replicas{` + fn + `})`
	return `clamp_min(max by (function_name) (faas_autoscaler_function_replicas{` + fn + `}) - on (function_name) (` +
		need + ` > on (function_name) ` + minr + ` or (` + minr + ` and on (function_name) ` + need + `)), 0)`
}

// surplusPanel shows the way down: after a load falls, the replicas the
// scale-down window still holds above the need. Its area is the
// replica-seconds docs/benchmarks.md ("The way down") compares with the
// HPA's 300 s window.
func surplusPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Surplus replicas (way down)", "Desired replicas above what the load needs now: max(ceil(load ÷ load per replica), min), from the rules' load record and the controller's target gauge. After a load falls this is what the scale-down window holds; the area under the curve is the surplus replica-seconds.", "short", pos,
		query{surplusExpr(), "surplus replicas"})
}

func decisionsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Decisions by reason", "The autoscaler's decisions for this function per second, by reason code. "+countBars, "ops", pos,
		query{`sum by (reason) (rate(faas_autoscaler_decisions_total{` + fn + `}[$__rate_interval]))`, "{{reason}}"}).
		DrawStyle(drawBars)
}

func functionAlertsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Scaling alerts", "Generated alerts about this function: firing (1) or pending.", "short", pos,
		query{`max by (alertname, alertstate) (ALERTS{service="faas-autoscaler", ` + fn + `})`, "{{alertname}} {{alertstate}}"})
}

func functionInvocationsPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Invocations by status", "Completed invocations per second by status code, and started ones.", "reqps", pos,
		query{promql.SumOverGatewaysBy("code", `rate(gateway_function_invocation_total{`+fn+`}[$__rate_interval])`, true), "{{code}}"},
		query{promql.SumOverGatewaysBy("", `rate(gateway_function_invocation_started{`+fn+`}[$__rate_interval])`, false), "started"})
}

func functionLatencyPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Latency", "Median and 99th percentile of gateway_functions_seconds.", "s", pos,
		query{`histogram_quantile(0.5, sum by (le) (rate(gateway_functions_seconds_bucket{` + fn + `}[$__rate_interval])))`, "p50"},
		query{`histogram_quantile(0.99, sum by (le) (rate(gateway_functions_seconds_bucket{` + fn + `}[$__rate_interval])))`, "p99"})
}

// lastInvocationPanel is the idle state: how long since an invocation last
// started, read against the function's keep-alive
// (com.openfaas.scale.zero-duration). The subquery finds the last step in
// the range at which the started counter moved.
func lastInvocationPanel(id uint32, pos dashboard.GridPos) *statPanelBuilder {
	return statPanel(id, "Idle for", "Time since an invocation of this function last started (to within $__rate_interval; empty: none in the dashboard's range). The idler scales an opted-in function to zero once this passes its keep-alive.", "s", pos,
		query{idleForExpr(), "idle"})
}

// idleForExpr is the time since the last step at which the started counter
// moved, or appeared: the gateway creates a function's counter at its first
// call, at 1 (each gateway replica at the first call it proxies), which
// changes() does not see, so a function called once since the gateway
// started read "none in the dashboard's range". The idler's own activity
// query counts such a series' value for the same reason.
//
// The subquery steps at $__interval, which $__rate_interval always exceeds,
// so the windows cover the whole range. Without a step (`[$__range:]`)
// Prometheus stepped it at its global evaluation_interval (30 s in
// kube-prometheus-stack, 1 m by default), each step looking back only
// $__rate_interval (20 s at the provisioned 5 s): a call in the gaps was
// never seen, and the panel said "none in the dashboard's range".
func idleForExpr() string {
	started := `gateway_function_invocation_started{` + fn + `}`
	moved := `(changes(` + started + `[$__rate_interval]) > 0)`
	appeared := `(` + started + ` unless ` + started + ` offset $__rate_interval)`
	return `time() - max(max_over_time(timestamp(` + moved + ` or ` + appeared + `)[$__range:$__interval]))`
}

func atZeroPanel(id uint32, pos dashboard.GridPos) *statPanelBuilder {
	return statPanel(id, "At zero", "1 while the provider reports zero desired replicas.", "short", pos,
		query{`max(faas_autoscaler_function_replicas{` + fn + `}) == bool 0`, "at zero"})
}
