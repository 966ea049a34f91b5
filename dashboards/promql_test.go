package dashboards

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// grafanaVars substitutes the Grafana variables our queries use with what
// Grafana would send: $__rate_interval is 4 × the 1 s scrape here, at least
// a minute of range is fine for every function.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "15s", // under $__rate_interval, as Grafana's always is
	"$__range", "1h",
	"$function", "figlet.openfaas-fn",
)

// labelValuesRE turns a Grafana label_values(metric, label) variable query
// into the PromQL that answers the same question.
var labelValuesRE = regexp.MustCompile(`^label_values\(\s*([^,]+?)\s*,\s*([a-zA-Z_]+)\s*\)$`)

func toPromQL(expr string) string {
	if m := labelValuesRE.FindStringSubmatch(expr); m != nil {
		return "group by (" + m[2] + ") (" + m[1] + ")"
	}
	return grafanaVars.Replace(expr)
}

// TestQueriesRunOnPrometheus executes every PromQL expression of every
// dashboard, after substituting the Grafana variables, against a real
// Prometheus that scrapes gateway and controller series and evaluates the
// generated rules (so the recorded series the dashboards read exist). No
// query may error, and with every series present none may come back empty
// (an empty result would mean a wrong metric or label name).
func TestQueriesRunOnPrometheus(t *testing.T) {
	exp := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(exp.Registry)
	ctl := newControllerSeries(exp.Registry)
	ctl.latency = gw.Seconds // the gateway's, observed as the controller's series move
	qw := newQueueWorkerSeries(exp.Registry)
	for _, fn := range []string{"figlet.openfaas-fn", "env.other-ns"} {
		gw.Total.WithLabelValues(fn, "200").Add(100)
		gw.Total.WithLabelValues(fn, "502").Add(3)
		gw.Started.WithLabelValues(fn).Add(103)
		gw.Inflight.WithLabelValues(fn).Set(2)
		gw.Replicas.WithLabelValues(fn).Set(2)
		ctl.set(fn)
		qw.set(fn)
	}
	ruleText, err := rules.Render(rules.ForScrapeInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{
			{Job: "gateway", URL: exp.Addr()},
			// The same series again under another job, as the controller's
			// own target: queries must not trip on job/instance.
			{Job: "faas-autoscaler", URL: exp.Addr()},
		},
		RuleFiles: []string{string(ruleText)},
	})
	prom.WaitUp(t, "faas-autoscaler")
	// Counters must move between scrapes for rates to have samples.
	teststack.Every(t, 200*time.Millisecond, func() {
		gw.Total.WithLabelValues("figlet.openfaas-fn", "200").Add(20)
		gw.Started.WithLabelValues("figlet.openfaas-fn").Add(20)
		ctl.observe("figlet.openfaas-fn")
		qw.set("figlet.openfaas-fn")
	})
	// The generated scale-up alert firing on real data proves the rules
	// work in Prometheus itself, and gives the ALERTS panels data.
	prom.WaitFor(t, "the scale-up alert to fire", func(ctx context.Context) (bool, error) {
		v, _, _, err := prom.API().Query(ctx, `ALERTS{alertname="`+rules.AlertLoadAboveTarget+`", alertstate="firing", function_name="figlet.openfaas-fn", scaling_type="rps"}`, time.Now())
		if err != nil {
			return false, err
		}
		vec, _ := v.(model.Vector)
		return len(vec) > 0, nil
	})

	for _, n := range All() {
		t.Run(n.File, func(t *testing.T) {
			exprs, err := Expressions(committed(t, n.File))
			if err != nil {
				t.Fatal(err)
			}
			empty := 0
			for _, e := range exprs {
				q := toPromQL(e)
				if strings.Contains(q, "$") {
					t.Errorf("unsubstituted Grafana variable in %s", q)
					continue
				}
				// Errors fail at once; an empty result is retried for a while,
				// because subqueries over a freshly started server may not
				// have a step with data yet.
				deadline := time.Now().Add(15 * time.Second)
				for {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					v, warnings, _, err := prom.API().Query(ctx, q, time.Now())
					cancel()
					if err != nil {
						t.Errorf("query failed: %v\n  %s", err, q)
						break
					}
					if len(warnings) > 0 {
						t.Errorf("warnings %v for %s", warnings, q)
					}
					if vec, ok := v.(model.Vector); !ok || len(vec) > 0 {
						break
					}
					if time.Now().After(deadline) {
						empty++
						t.Errorf("empty result: %s", q)
						break
					}
					time.Sleep(250 * time.Millisecond)
				}
			}
			t.Logf("%d queries ran, %d empty", len(exprs), empty)
		})
	}
}

// controllerSeries holds the controller's metrics, named and labelled as the
// controller exports them.
type controllerSeries struct {
	gauges     map[string]*prometheus.GaugeVec
	decisions  *prometheus.CounterVec
	scaleCalls *prometheus.CounterVec
	webhook    *prometheus.CounterVec
	provider   *prometheus.CounterVec
	idlerRuns  *prometheus.CounterVec
	idled      prometheus.Counter
	skipped    *prometheus.CounterVec
	atZero     prometheus.Gauge
	scrapeAge  prometheus.Gauge
	kaReads    *prometheus.CounterVec // the keep-alive feeder's reads, by result
	kaUnknown  *prometheus.CounterVec // its unknown steps, by reason
	kaHeld     prometheus.Gauge
	kaBound    prometheus.Gauge
	kaSince    prometheus.Gauge
	hist       map[string]*prometheus.HistogramVec
	latency    *prometheus.HistogramVec // the gateway's duration histogram (teststack's), set by the caller
}

func newControllerSeries(reg prometheus.Registerer) *controllerSeries {
	c := &controllerSeries{gauges: map[string]*prometheus.GaugeVec{}, hist: map[string]*prometheus.HistogramVec{}}
	for _, name := range []string{"replicas", "available_replicas", "desired_replicas", "min_replicas", "max_replicas"} {
		c.gauges[name] = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "faas_autoscaler_function_" + name, Help: name}, []string{"function_name"})
		reg.MustRegister(c.gauges[name])
	}
	c.gauges["target_load"] = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "faas_autoscaler_function_target_load", Help: "target"}, []string{"function_name", "scaling_type"})
	reg.MustRegister(c.gauges["target_load"])
	counterVec := func(name string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: name}, labels)
		reg.MustRegister(v)
		return v
	}
	c.decisions = counterVec("faas_autoscaler_decisions_total", "function_name", "reason")
	c.scaleCalls = counterVec("faas_autoscaler_scale_calls_total", "function_name", "result")
	c.webhook = counterVec("faas_autoscaler_webhook_requests_total", "result")
	c.provider = counterVec("faas_autoscaler_provider_calls_total", "operation", "result")
	c.skipped = counterVec("faas_autoscaler_idler_skipped_total", "reason")
	c.idlerRuns = counterVec("faas_autoscaler_idler_runs_total", "result")
	c.idled = prometheus.NewCounter(prometheus.CounterOpts{Name: "faas_autoscaler_idler_functions_idled_total", Help: "idled"})
	c.atZero = prometheus.NewGauge(prometheus.GaugeOpts{Name: "faas_autoscaler_idler_functions_at_zero", Help: "at zero"})
	c.scrapeAge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "faas_autoscaler_pass_scrape_age_seconds", Help: "age"})
	reg.MustRegister(c.idled, c.atZero, c.scrapeAge)
	c.kaReads = counterVec("faas_autoscaler_keepalive_reads_total", "result")
	c.kaUnknown = counterVec("faas_autoscaler_keepalive_unknown_steps_total", "reason")
	c.kaHeld = prometheus.NewGauge(prometheus.GaugeOpts{Name: "faas_autoscaler_keepalive_idle_times", Help: "held"})
	c.kaBound = prometheus.NewGauge(prometheus.GaugeOpts{Name: "faas_autoscaler_keepalive_max_idle_times", Help: "bound"})
	c.kaSince = prometheus.NewGauge(prometheus.GaugeOpts{Name: "faas_autoscaler_keepalive_learned_since_timestamp_seconds", Help: "since"})
	reg.MustRegister(c.kaHeld, c.kaBound, c.kaSince)
	for name, labels := range map[string][]string{
		"faas_autoscaler_webhook_duration_seconds":        nil,
		"faas_autoscaler_provider_call_duration_seconds":  {"operation"},
		"faas_autoscaler_reconcile_duration_seconds":      nil,
		"faas_autoscaler_idler_cycle_duration_seconds":    nil,
		"faas_autoscaler_keepalive_read_duration_seconds": nil,
	} {
		c.hist[name] = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: name}, labels)
		reg.MustRegister(c.hist[name])
	}
	return c
}

func (c *controllerSeries) set(fn string) {
	for name, v := range map[string]float64{"replicas": 2, "available_replicas": 1, "desired_replicas": 3, "min_replicas": 1, "max_replicas": 10} {
		c.gauges[name].WithLabelValues(fn).Set(v)
	}
	c.gauges["target_load"].WithLabelValues(fn, "rps").Set(45)
	c.atZero.Set(1)
	c.scrapeAge.Set(0.5)
	c.kaHeld.Set(1e6)
	c.kaBound.Set(4e6)
	c.kaSince.Set(float64(time.Now().Add(-3 * time.Hour).Unix()))
	c.observe(fn)
}

// observe moves every counter and histogram a little.
func (c *controllerSeries) observe(fn string) {
	c.decisions.WithLabelValues(fn, "scale_up").Inc()
	c.scaleCalls.WithLabelValues(fn, "ok").Inc()
	c.webhook.WithLabelValues("ok").Inc()
	c.provider.WithLabelValues("scale", "ok").Inc()
	c.skipped.WithLabelValues("active").Inc()
	c.idlerRuns.WithLabelValues("ok").Inc()
	c.idled.Inc()
	c.kaReads.WithLabelValues("ok").Inc()
	c.kaUnknown.WithLabelValues("read_error").Inc()
	for name, h := range c.hist {
		if strings.Contains(name, "provider") {
			h.WithLabelValues("scale").Observe(0.01)
		} else {
			h.WithLabelValues().Observe(0.02)
		}
	}
	c.latency.WithLabelValues(fn, "200").Observe(0.1)
}
