package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestReview51ACapacityRecordOverreadsUntilTheSlowGroupRecordsTheMean:
// the capacity record (and so FunctionLoadAboveTarget and its load
// annotation) weighs arrivals by MeanDurationRecord, which the slow group
// evaluates every SlowEvaluationInterval (15 s). A function whose requests
// start ending (a new function, one whose load resumes after 5 minutes
// without an ended request, one just woken from zero) has its histogram
// series, but no mean record until the slow group's next evaluation: up to
// 15 s. Meanwhile promql.CapacityParts has no rate part and falls back to
// the arrivals over window + rate range, counting every call of the last
// 8 s (at a 1 s scrape) as one in flight. metricsource/prometheus reads the
// mean live and reads the real concurrency.
//
// Here 20 calls a second of 50 ms each, 1 in flight: the source reads ~1;
// the record reads the arrivals (~100+) for up to 15 s and the scale-up
// alert fires against a target of 10 × 1 replica. The controller takes a
// firing alert's load as burst evidence (scaler/decide.go freshAlertLoad),
// so it scales the function up for a load its own query never sees.
//
// Expected: the record agrees with the source's query (within a factor of
// 3 here) at every read while the source has its rate part. Cause:
// rules/recording.go:137-139 (MeanDurationRecord as CapacityPeak's mean)
// with the record made in GroupSlow (rules/generate.go:41-44), and
// promql.CapacityParts' fallback to the arrived count where the mean is
// missing but the histogram is there (internal/promql/capacity.go:140-145).
func TestReview51ACapacityRecordOverreadsUntilTheSlowGroupRecordsTheMean(t *testing.T) {
	const fn = "burst.openfaas-fn"
	o := ForScrapeInterval(time.Second)
	o.Types = []string{TypeCapacity}
	o.HealthAlerts = false
	ruleText, err := Render(o)
	if err != nil {
		t.Fatal(err)
	}
	exp := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(exp.Registry)
	gauge := func(name string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: name}, labels)
		exp.Registry.MustRegister(g)
		return g
	}
	gauge(metricTargetLoad, "function_name", "scaling_type").WithLabelValues(fn, TypeCapacity).Set(10)
	gauge(metricReplicas, "function_name").WithLabelValues(fn).Set(1)
	gauge(metricMinReplicas, "function_name").WithLabelValues(fn).Set(1)
	gauge(metricMaxReplicas, "function_name").WithLabelValues(fn).Set(20)
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeInterval: o.ScrapeInterval,
		EvalInterval:   o.EvaluationInterval,
		ScrapeTargets:  []teststack.Target{{Job: "gateway", URL: exp.Addr()}},
		RuleFiles:      []string{string(ruleText)},
	})
	prom.WaitUp(t, "gateway")

	// Start the load right after the slow group has evaluated, so its
	// next evaluation is a whole interval away (the gap is anywhere from 0
	// to 15 s otherwise).
	slowEval := func(ctx context.Context) (time.Time, error) {
		r, err := prom.API().Rules(ctx, nil)
		if err != nil {
			return time.Time{}, err
		}
		for _, g := range r.Groups {
			for _, rule := range g.Rules {
				if rr, ok := rule.(v1.RecordingRule); ok && rr.Name == MeanDurationRecord {
					return rr.LastEvaluation, nil
				}
			}
		}
		return time.Time{}, fmt.Errorf("no rule %s", MeanDurationRecord)
	}
	var first time.Time
	prom.WaitFor(t, "a slow group evaluation", func(ctx context.Context) (bool, error) {
		last, err := slowEval(ctx)
		if err != nil || last.IsZero() {
			return false, err
		}
		if first.IsZero() {
			first = last
			return false, nil
		}
		return last.After(first), nil
	})

	stop := teststack.Every(t, 50*time.Millisecond, func() {
		gw.Started.WithLabelValues(fn).Inc()
		gw.Total.WithLabelValues(fn, "200").Inc()
		gw.Seconds.WithLabelValues(fn, "200").Observe(0.05)
	})
	defer stop()

	record := LoadRecordName(o, TypeCapacity)
	source := promql.CapacityPeak(o.Window, time.Second, 30*time.Second, time.Second, "")
	one := func(ctx context.Context, expr string, at time.Time) (float64, bool) {
		v, _, _, err := prom.API().Query(ctx, expr, at)
		if err != nil {
			t.Fatalf("query %s: %v", expr, err)
		}
		vec, _ := v.(model.Vector)
		for _, s := range vec {
			if string(s.Metric["function_name"]) == fn {
				return float64(s.Value), true
			}
		}
		return 0, false
	}
	var log []string
	worst := 0.0
	fired := false
	for end := time.Now().Add(13 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		at := time.Now()
		r, rok := one(ctx, record, at)
		s, sok := one(ctx, source, at)
		_, mok := one(ctx, MeanDurationRecord, at)
		a, _ := one(ctx, fmt.Sprintf(`ALERTS{alertname=%q,alertstate="firing"}`, AlertLoadAboveTarget), at)
		cancel()
		fired = fired || a == 1
		log = append(log, fmt.Sprintf("%s record=%v(%v) source=%v(%v) mean record=%v alert=%v", at.Format("15:04:05.000"), r, rok, s, sok, mok, a == 1))
		if rok && sok && s > 0 && s <= 2 && r > 3*s {
			worst = max(worst, r)
		}
	}
	if worst > 0 || fired {
		t.Errorf("the capacity record read up to %g in flight where the metrics source's query read ~1 (20/s × 50 ms); %s fired: %v\n%s",
			worst, AlertLoadAboveTarget, fired, strings.Join(log, "\n"))
	}
}
