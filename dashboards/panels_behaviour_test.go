package dashboards

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// panelScrape is the test Prometheus' scrape interval, which stands for the
// provisioned data source's timeInterval (5 s in deploy/grafana): Grafana's
// $__interval and $__rate_interval scale with it, so the ratios below are
// the ones the shipped provisioning gives at the dashboards' default 1 h
// range (step 5 s, $__rate_interval max(5 s + 5 s, 4 × 5 s) = 20 s).
const panelScrape = time.Second

// panelJSON is one panel of a committed dashboard, as Grafana reads it.
type panelJSON struct {
	Title       string `json:"title"`
	Interval    string `json:"interval"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				ID      string `json:"id"`
				Options any    `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		Expr         string `json:"expr"`
		RefID        string `json:"refId"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
}

func panelJSONByTitle(t *testing.T, file, title string) panelJSON {
	t.Helper()
	var d struct {
		Panels []panelJSON `json:"panels"`
	}
	if err := json.Unmarshal(committed(t, file), &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		if p.Title == title {
			return p
		}
	}
	t.Fatalf("%s: no panel %q", file, title)
	return panelJSON{}
}

// unitOf is the unit Grafana applies to a target's series: an override
// matching its refId or its legend, else the panel's default.
func (p panelJSON) unitOf(refID, legend string) string {
	unit := p.FieldConfig.Defaults.Unit
	for _, o := range p.FieldConfig.Overrides {
		opt, _ := o.Matcher.Options.(string)
		if (o.Matcher.ID == "byFrameRefID" && opt == refID) || (o.Matcher.ID == "byName" && opt == legend) {
			for _, pr := range o.Properties {
				if pr.ID == "unit" {
					unit, _ = pr.Value.(string)
				}
			}
		}
	}
	return unit
}

// grafanaTimes is what Grafana sends for a panel on a short range: the
// step ($__interval) is the panel's min interval or the data source's
// timeInterval, and $__rate_interval is max($__interval + scrape, 4 × scrape).
func grafanaTimes(t *testing.T, p panelJSON) (step, rateInterval time.Duration) {
	t.Helper()
	step = panelScrape
	if p.Interval != "" {
		d, err := model.ParseDuration(p.Interval)
		if err != nil {
			t.Fatalf("panel %q interval %q: %v", p.Title, p.Interval, err)
		}
		step = max(step, time.Duration(d))
	}
	return step, max(step+panelScrape, 4*panelScrape)
}

func grafanaExpr(expr string, step, rateInterval time.Duration, function string) string {
	return strings.NewReplacer(
		"$__rate_interval", model.Duration(rateInterval).String(),
		"$__interval", model.Duration(step).String(),
		"$__range", "1h",
		"$function", function,
	).Replace(expr)
}

func panelProm(t *testing.T, reg *teststack.Exporter) *teststack.Prom {
	t.Helper()
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeInterval: panelScrape, EvalInterval: panelScrape,
		ScrapeTargets: []teststack.Target{{Job: "faas-autoscaler", URL: reg.Addr()}},
	})
	prom.WaitUp(t, "faas-autoscaler")
	return prom
}

// TestCountBarsAddUpToTheCalls: the "Scale calls" (overview), "Scale
// calls by result" (controller health) and "Decisions by reason" (function
// detail) panels draw increase(counter[$__rate_interval]) as bars, one per
// step. $__rate_interval is always longer than the step (4 × the step with
// the shipped provisioning at the default range), so one call falls in
// several bars: a single scale call is drawn as about four, and the bars
// of an hour add up to four times the calls made. Read in the panel's unit
// (a count per bar for "short", or a rate × step), the bars must add up
// to the calls.
func TestCountBarsAddUpToTheCalls(t *testing.T) {
	t.Parallel() // each waits on its own Prometheus
	exp := teststack.NewExporter(t)
	scaleCalls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faas_autoscaler_scale_calls_total", Help: "x"}, []string{"function_name", "result"})
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "faas_autoscaler_decisions_total", Help: "x"}, []string{"function_name", "reason"})
	exp.Registry.MustRegister(scaleCalls, decisions)
	const fn = "figlet.openfaas-fn"
	// At zero first, so the one call is a visible step of the counter.
	scaleCalls.WithLabelValues(fn, "ok")
	decisions.WithLabelValues(fn, "scale_up")
	prom := panelProm(t, exp)
	time.Sleep(5 * panelScrape)
	callAt := time.Now()
	scaleCalls.WithLabelValues(fn, "ok").Inc() // one scale call
	decisions.WithLabelValues(fn, "scale_up").Inc()
	time.Sleep(12 * panelScrape)
	end := time.Now()

	for _, tc := range []struct{ file, title string }{
		{"functions-overview.json", "Scale calls"},
		{"controller-health.json", "Scale calls by result"},
		{"function-detail.json", "Decisions by reason"},
	} {
		t.Run(tc.title, func(t *testing.T) {
			p := panelJSONByTitle(t, tc.file, tc.title)
			step, ri := grafanaTimes(t, p)
			q := grafanaExpr(p.Targets[0].Expr, step, ri, fn)
			// Grafana aligns the range to the step.
			start := callAt.Add(-6 * panelScrape).Truncate(step)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			v, _, _, err := prom.API().QueryRange(ctx, q, v1.Range{Start: start, End: end, Step: step})
			if err != nil {
				t.Fatalf("query_range %s: %v", q, err)
			}
			per := 1.0 // a count per bar
			switch unit := p.unitOf(p.Targets[0].RefID, p.Targets[0].LegendFormat); unit {
			case "short", "none", "":
			case "ops", "reqps", "rps", "cps":
				per = step.Seconds()
			case "opm", "reqpm", "rpm", "cpm":
				per = step.Minutes()
			default:
				t.Fatalf("unit %q: not a count or a rate", unit)
			}
			total, bars := 0.0, 0
			for _, s := range v.(model.Matrix) {
				for _, sp := range s.Values {
					if x := float64(sp.Value); x > 0 && !math.IsNaN(x) {
						total += x * per
						bars++
					}
				}
			}
			if total < 0.5 || total > 1.5 {
				t.Errorf("one call, drawn in %d bars (step %s, %s) adding up to %.2f calls, want 1\n  %s", bars, step, ri, total, q)
			}
		})
	}
}

// TestIdleForSeesAFirstInvocation: the Function detail's "Idle for"
// reads the last step at which changes(gateway_function_invocation_started)
// was above zero. The gateway creates a function's started counter at its
// first call, with the value 1 (client_golang's CounterVec; every gateway
// replica does so for the first call it proxies), so changes() sees no
// change for it: a function called once since the gateway started shows
// "empty: none in the dashboard's range" although it was called seconds
// ago. The idler's own activity count (metricsource/prometheus, count())
// counts such a series' value for this reason.
func TestIdleForSeesAFirstInvocation(t *testing.T) {
	t.Parallel() // each waits on its own Prometheus
	exp := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(exp.Registry)
	const warm, fresh = "warm.openfaas-fn", "fresh.openfaas-fn"
	gw.Started.WithLabelValues(warm).Inc() // called before, so its counter exists
	prom := panelProm(t, exp)
	time.Sleep(5 * panelScrape)
	// Both are called once now: warm again, fresh for the first time since
	// the gateway started.
	gw.Started.WithLabelValues(warm).Inc()
	gw.Started.WithLabelValues(fresh).Inc()
	called := time.Now()
	time.Sleep(8 * panelScrape)

	p := panelJSONByTitle(t, "function-detail.json", "Idle for")
	step, ri := grafanaTimes(t, p)
	for _, fn := range []string{warm, fresh} {
		q := grafanaExpr(p.Targets[0].Expr, step, ri, fn)
		var got model.Vector
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, _ = prom.Query(t, q).(model.Vector)
			if len(got) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		since := time.Since(called).Seconds()
		if len(got) == 0 {
			t.Errorf("%s, called once %.0f s ago: Idle for is empty (\"none in the dashboard's range\")\n  %s", fn, since, q)
			continue
		}
		if idle := float64(got[0].Value); idle > since+ri.Seconds()+2 {
			t.Errorf("%s, called %.0f s ago: Idle for %.0f s", fn, since, idle)
		}
	}
}

// TestFunctionVariableListsManagedFunctions: the Function detail's
// `function` variable lists only functions with a completed invocation
// since the gateway started (label_values(gateway_function_invocation_total,
// function_name)). A function the controller manages and exports (replicas,
// bounds, target) but that has not been called since the gateway's last
// restart, typically one the idler holds at zero, the very case the
// dashboard's "At zero" and "Idle for" panels are for, cannot be chosen.
func TestFunctionVariableListsManagedFunctions(t *testing.T) {
	t.Parallel() // each waits on its own Prometheus
	exp := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(exp.Registry)
	ctl := newControllerSeries(exp.Registry)
	ctl.latency = gw.Seconds
	const called, asleep = "figlet.openfaas-fn", "asleep.openfaas-fn"
	gw.Total.WithLabelValues(called, "200").Add(3)
	gw.Started.WithLabelValues(called).Add(3)
	ctl.set(called)
	ctl.set(asleep)
	ctl.gauges["replicas"].WithLabelValues(asleep).Set(0) // held at zero by the idler
	prom := panelProm(t, exp)
	time.Sleep(2 * panelScrape)

	var q string
	var d struct {
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(committed(t, "function-detail.json"), &d); err != nil {
		t.Fatal(err)
	}
	for _, v := range d.Templating.List {
		if v.Name == "function" {
			q, _ = v.Query.(string)
		}
	}
	if q == "" {
		t.Fatal("no function variable")
	}
	vec, _ := prom.Query(t, toPromQL(q)).(model.Vector)
	listed := map[string]bool{}
	for _, s := range vec {
		listed[string(s.Metric["function_name"])] = true
	}
	if !listed[called] {
		t.Fatalf("variable %s lists %v, not even %s", q, listed, called)
	}
	if !listed[asleep] {
		t.Errorf("variable %s lists %v: %s, which the controller exports (faas_autoscaler_function_replicas = 0), cannot be chosen", q, listed, asleep)
	}
}

// TestPanelUnitsFitTheirSeries: a series shown in a time unit must be a
// duration, and a duration must be shown in one. "Idler cycles" draws the
// run count (increase of faas_autoscaler_idler_runs_total) in the panel's
// unit "s", so one run reads "1 s" on a seconds axis; "Async drain rate and
// time to drain" draws the time to drain (pending ÷ per-second rate, in
// seconds) as a bare number ("short").
func TestPanelUnitsFitTheirSeries(t *testing.T) {
	timeUnits := map[string]bool{"s": true, "ms": true, "µs": true, "ns": true, "m": true, "h": true, "d": true, "dtdurations": true, "dtdurationms": true}
	for _, tc := range []struct {
		file, title, legend string
		duration            bool // the series is a duration
	}{
		{"controller-health.json", "Idler cycles", "runs", false},
		{"controller-health.json", "Idler cycles", "cycle p99", true},
		{"function-detail.json", "Async drain rate and time to drain", "time to drain (s)", true},
		{"function-detail.json", "Async drain rate and time to drain", "drained/s", false},
	} {
		p := panelJSONByTitle(t, tc.file, tc.title)
		found := false
		for _, q := range p.Targets {
			if q.LegendFormat != tc.legend {
				continue
			}
			found = true
			if u := p.unitOf(q.RefID, q.LegendFormat); timeUnits[u] != tc.duration {
				t.Errorf("%s / %q: series %q (%s) shown in unit %q", tc.file, tc.title, tc.legend, q.Expr, u)
			}
		}
		if !found {
			t.Fatalf("%s / %q: no series %q", tc.file, tc.title, tc.legend)
		}
	}
}
