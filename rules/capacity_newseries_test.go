package rules

import (
	"testing"
)

// capacityNewPodBurstUnitTest: a CE gateway (no in-flight gauge) replaced
// by a new pod (a rolling update: a new instance), as in
// capacityEndedUnitTest. The function's first calls through the new pod,
// started at 147 s, are a burst of 20 long ones (100 s each, the old
// pod's histogram says) just before its first scrape at 150 s, so its
// started counter's first sample already reads 20. irate() and increase()
// start from a series' first sample, so the capacity record read 0 for the
// burst's length, and no scale-up alert fired. The record counts a new
// series' first value when it can only be new calls
// (promql.CountsFromZero: here the new pod's process started within the
// range), capped by the arrivals: 20, not the 400 one interval's rate ×
// the mean would say.
const capacityNewPodBurstUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '0+1x20 stale'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '0+100x20 stale'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '0+1x20 stale'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x20 stale'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x20 stale'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x30 20x10'
      - series: 'up{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 1x10'
      - series: 'process_start_time_seconds{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 147x10'
    promql_expr_test:
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 160s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 20
`

// capacityOldCountersUnitTest: the gateway has run for a day; Prometheus
// saw nothing of it for nearly 7 minutes (down itself, or a new one with
// an empty TSDB), and its counter is back at 1,000: new to the record's
// query, but its value is the gateway's history, not calls within the
// range (an old process, and no successful scrape without the series just
// before it). The function's load is a call every 5 s of 0.5 s: 0.1 in
// flight, not 100.
const capacityOldCountersUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '900+1x10 _x80 1000+1x10'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '450+0.5x10 _x80 500+0.5x10'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '900+1x10 _x80 1000+1x10'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x10 _x80 1x10'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x10 _x80 -86400x10'
    promql_expr_test:
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 470s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 0.1
`

// TestCapacityRecordCountsANewGatewayPodsFirstCalls: the capacity record
// (the controller's query, promql.CapacityPeak) counts a burst through a
// new gateway pod's first scrape.
//
// Seen failing before the fix: the record read 0.
func TestCapacityRecordCountsANewGatewayPodsFirstCalls(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(capacityNewPodBurstUnitTest), "capacity record over a burst through a new gateway pod")
}

// TestCapacityRecordLeavesOutOldCountersSeenAgain: and not a day's calls
// of a counter Prometheus sees again after a gap.
//
// Seen failing with promql.CountsFromZero read as always true: the record
// read 100.
func TestCapacityRecordLeavesOutOldCountersSeenAgain(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(capacityOldCountersUnitTest), "capacity record over old counters seen again")
}
