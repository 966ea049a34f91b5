package rules

import (
	"testing"
	"time"
)

// freshFirstSeriesUnitTest: an rps function running one replica (min 1,
// target 50) that no gateway has served yet: it has no invocation series
// at all. A burst of 500 calls lands between the 145 s and 150 s scrapes,
// so the counter first shows at 150 s with 500 (100/s), and goes on at
// 100/s. Every scrape of the gateway succeeded before (up 1 throughout):
// the irate record counts the 500 as the last interval's calls, 100/s
// (promql.FreshRate's first-value case, session 46). rate() has nothing
// for a series with one sample, so the rate record is missing at 152 s.
//
// The fresh record is `irate > rate or rate`: with the rate record
// missing, it is missing too, though the irate record holds 100/s, and
// FunctionLoadAboveTarget (100 > 50 × 1 × 1.1) waits a scrape for the
// counter's second sample. The capacity type's record, which reads the
// same first value, fires at once; so does the at-zero alert for rps.
const freshFirstSeriesUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '_x30 500+500x20'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x50'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x50'
      - series: 'faas_autoscaler_function_target_load{function_name="fn.openfaas-fn",scaling_type="rps"}'
        values: '50x50'
      - series: 'faas_autoscaler_function_replicas{function_name="fn.openfaas-fn"}'
        values: '1x50'
      - series: 'faas_autoscaler_function_min_replicas{function_name="fn.openfaas-fn"}'
        values: '1x50'
      - series: 'faas_autoscaler_function_max_replicas{function_name="fn.openfaas-fn"}'
        values: '10x50'
    promql_expr_test:
      - expr: function_name:gateway_function_invocation_total:irate20s
        eval_time: 152s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_invocation_total:irate20s", function_name="fn.openfaas-fn"}'
            value: 100
      - expr: job:function_fresh_load:max
        eval_time: 152s
        exp_samples:
          - labels: '{__name__="job:function_fresh_load:max", function_name="fn.openfaas-fn", scaling_type="rps"}'
            value: 100
    alert_rule_test:
      - eval_time: 152s
        alertname: FunctionLoadAboveTarget
        exp_alerts:
          - exp_labels:
              direction: up
              function_name: fn.openfaas-fn
              scaling_type: rps
              service: faas-autoscaler
            exp_annotations:
              load: "100"
              summary: 'fn.openfaas-fn: rps load 100 is above its target times its replicas'
`

// TestReview49dFreshLoadCountsAFirstSeriesWithoutRate: the fresh record
// (and so the scale-up alert) holds the irate record's value where the
// rate record has none yet, as the irate record counts a new series'
// first value.
//
// Seen failing before the fix (the fresh record is `irate > rate or rate
// or irate`): job:function_fresh_load:max at 2m32s: exp 100, got nil; and
// FunctionLoadAboveTarget: got no alert.
func TestReview49dFreshLoadCountsAFirstSeriesWithoutRate(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(freshFirstSeriesUnitTest), "fresh load and scale-up alert on a function's first gateway series")
}

// cpuShortWindowUnitTest: one pod's CPU counter as the kubelet exposes it,
// a new stats sample every 10 s (cAdvisor housekeeping; KubeletStatsAge
// allows 15 s), busy at half a core. With a --cpu-window of 4 s, which
// Validate accepts at a 1 s gateway scrape (three gateway scrapes), no
// rate() range ever holds two of its samples: the cpu load is never
// recorded, at any of 200 evaluations, and no cpu alert can fire.
const cpuShortWindowUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 10s
    input_series:
      - series: 'pod_cpu_usage_seconds_total{function_name="fn.openfaas-fn",namespace="openfaas-fn",pod="fn-1",instance="node-a:10250",job="kubelet"}'
        values: '0+5x30'
    promql_expr_test:
      - expr: count_over_time(job:function_current_load:sum{scaling_type="cpu"}[200s])
        eval_time: 250s
        exp_samples:
          - labels: '{function_name="fn.openfaas-fn", scaling_type="cpu"}'
            value: 200
`

// TestReview49dCPUWindowShorterThanTheKubeletsStatsIsRefused: Validate
// checks the CPU window against the gateway's scrape interval (three
// scrapes), not against the kubelet's stats interval, which the CPU
// counter's samples follow (KubeletStatsAge: up to 15 s). A CPU window of
// 4 s at a 1 s scrape, or 15 s at 5 s, is accepted and renders cpu rules
// that are never (or only now and then) recorded: cpu functions silently
// get no scale-up, at-zero or scale-down alert. It must be refused,
// naming the option (--cpu-window); the defaults (1m) stay accepted.
//
// Seen failing before the fix (Validate refuses a cpu window under 3 ×
// KubeletStatsAge with the cpu type): scrape 1s, cpu window 4s: Validate()
// = <nil>, want a CPUWindow problem; promtool: the cpu load never recorded
// in 200 evaluations.
func TestReview49dCPUWindowShorterThanTheKubeletsStatsIsRefused(t *testing.T) {
	o := ForScrapeInterval(time.Second)
	o.CPUWindow = 4 * time.Second
	out, err := Render(o)
	if err == nil {
		// Show what the accepted rules do with kubelet samples.
		t.Run("promtool", func(t *testing.T) {
			promtoolTestRendered(t, out, []byte(cpuShortWindowUnitTest), "cpu load recorded with a 4s cpu window")
		})
	}
	for _, c := range []struct{ scrape, cpu time.Duration }{{time.Second, 4 * time.Second}, {5 * time.Second, 15 * time.Second}} {
		o := ForScrapeInterval(c.scrape)
		o.CPUWindow = c.cpu
		found := false
		for _, p := range ValidationErrors(o.Validate()) {
			found = found || p.Field == "CPUWindow"
		}
		if !found {
			t.Errorf("scrape %s, cpu window %s: Validate() = %v, want a CPUWindow problem (the kubelet's samples come every 10-15 s: rate() over the window never holds two)",
				c.scrape, c.cpu, o.Validate())
		}
	}
	for _, scrape := range []time.Duration{time.Second, 5 * time.Second, 15 * time.Second} {
		if err := ForScrapeInterval(scrape).Validate(); err != nil {
			t.Errorf("defaults at %s: %v", scrape, err)
		}
	}
}
