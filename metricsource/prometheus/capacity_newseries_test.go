package prometheus

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// capacityWithin is a promtool unit test (promtoolUnitTest) of the
// source's capacity query over a 1 m window (the source's default rate
// range, a 5 s scrape interval) on series, evaluated at evalTime: one
// function's reading, between lo and hi.
func capacityWithin(t *testing.T, series string, evalTime time.Duration, lo, hi float64) {
	t.Helper()
	q, err := loadQuery(metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}, DefaultMaxScrapeGap, 5*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	test := `evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
` + series + `
    promql_expr_test:
      - expr: ` + yamlQuoted(fmt.Sprintf("count((%s) >= %g <= %g)", q, lo, hi)) + `
        eval_time: ` + model.Duration(evalTime).String() + `
        exp_samples:
          - labels: '{}'
            value: 1
`
	promtoolUnitTest(t, "groups: []\n", test)
}

// TestCapacityBurstThroughANewGatewayPod: a CE gateway (no in-flight
// gauge) is replaced by a new pod (a rolling update: new pod, new address,
// new `instance`). The function's first calls through the successor are a
// burst of 20 long requests (mean duration 100 s from the histogram), so
// its started counter's first scrape already reads 20 and stays there.
// All 20 are in flight 20 s later, with the old pod's last 5 or so.
//
// irate() and increase() both start from a series' first sample, so the
// first value of a new series (every call of its first scrape interval)
// was never counted: the capacity load read 0 (not missing) for the
// burst's length. A new series' first value now counts, at its first
// scrape, when it can only be new calls (promql.CountsFromZero): here the
// new pod's process started 3 s before it. The cap on the arrivals holds
// it to the calls that arrived, not the 400 its one-interval rate × mean
// would say, though the function's histogram is gone with the old pod.
//
// Seen failing before the fix: the reading was 0 (review 45's
// TestReview45CapacityBurstThroughNewGatewaySeries, without up and the
// start times, which a real Prometheus and gateway have); with the first
// value counted but the cap part still requiring the histogram's instant
// series, 400.
func TestCapacityBurstThroughANewGatewayPod(t *testing.T) {
	capacityWithin(t, `
      # gateway pod gw-a, called once every 5 s, each call 100 s long; replaced at t=100s (staleness markers)
      - series: 'gateway_function_invocation_started{function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '0+1x20 stale'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '0+100x20 stale'
      - series: 'gateway_functions_seconds_count{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '0+1x20 stale'
      - series: 'up{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1x20 stale'
      - series: 'process_start_time_seconds{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '-86400x20 stale'
      # its successor, started at 147 s: the function's first calls through it, a burst of 20 at t=150s, still running at 170s
      - series: 'gateway_function_invocation_started{function_name="job.fn",instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '_x30 20x10'
      - series: 'up{instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '_x30 1x10'
      - series: 'process_start_time_seconds{instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '_x30 147x10'`, 170*time.Second, 20, 30)
}

// TestCapacityFirstCallsThroughAGateway: two gateway replicas, up for a
// day. Replica 1 has served the function all along (a call every 5 s,
// each 100 s: 20 in flight); replica 2 proxies its first calls of the
// function, a burst of 20 long ones at t=150s, so its counter's first
// scrape reads 20. The scrape before lacked the series, and succeeded
// (up 1): they are 20 new calls, 40 in flight in all.
//
// Seen failing before the fix: the reading was 18 (replica 1's part
// alone).
func TestCapacityFirstCallsThroughAGateway(t *testing.T) {
	capacityWithin(t, `
      - series: 'gateway_function_invocation_started{function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1000+1x40'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '98000+100x40'
      - series: 'gateway_functions_seconds_count{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '980+1x40'
      - series: 'gateway_function_invocation_started{function_name="job.fn",instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '_x30 20x10'
      - series: 'up{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1x40'
      - series: 'up{instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '1x40'
      - series: 'process_start_time_seconds{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '-86400x40'
      - series: 'process_start_time_seconds{instance="10.0.0.2:8082",job="openfaas-pods"}'
        values: '-86400x40'`, 170*time.Second, 36, 45)
}

// TestCapacityOldCountersSeenAgain: a new series' value counts only when
// it can be new calls. Here it cannot: the gateway has run for a day and
// its counter is at 1,000, but Prometheus saw nothing of it for nearly 7
// minutes (Prometheus itself down, or a new one with an empty TSDB; the
// same for a gateway whose every scrape failed, up 0), so the series is
// new to the query, with no successful scrape without it just before and
// an old process. The function's real load is a call every 5 s of 0.5 s:
// 0.1 in flight, not the 1,000 calls of its history.
//
// Seen failing with the fix's guard read as always true
// (promql.CountsFromZero replaced by every target): the reading was 100.
func TestCapacityOldCountersSeenAgain(t *testing.T) {
	for _, c := range []struct{ name, up string }{
		{"prometheus down", `_x80`}, // no up either: nothing was scraped
		{"scrapes failing", `0x80`},
	} {
		t.Run(c.name, func(t *testing.T) {
			capacityWithin(t, fmt.Sprintf(`
      - series: 'gateway_function_invocation_started{function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '900+1x10 _x80 1000+1x10'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '450+0.5x10 _x80 500+0.5x10'
      - series: 'gateway_functions_seconds_count{code="200",function_name="job.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '900+1x10 _x80 1000+1x10'
      - series: 'up{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1x10 %s 1x10'
      - series: 'process_start_time_seconds{instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '-86400x10 _x80 -86400x10'`, c.up), 480*time.Second, 0, 1)
		})
	}
}
