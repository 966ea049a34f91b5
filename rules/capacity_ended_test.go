package rules

import (
	"testing"
)

// capacityEndedUnitTest: a gateway replaced under steady load, as
// freshEndedUnitTest, for a capacity function: 60 calls/s of 0.5 s each,
// 30 in flight. The old pod (instance a) is gone after 100 s (its series
// stale); the new one (b) serves from 105 s, its counters born at its
// first call.
//
// The arrivals part of the capacity peak (promql.CapacityParts) is the
// started counter's irate() × the mean duration. irate() over its range
// kept the ended series' last rate until the range had passed it, and the
// new pod's came on top: the record read 60 in flight for a window after
// every gateway replacement (a rolling update, a rescheduled pod, a
// gateway replica removed), twice the load, and the scale-up alert and the
// controller's own query (the same expression) asked for twice the
// replicas.
const capacityEndedUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+300x20 stale'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x21 1+300x20'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+300x20 stale'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x21 1+300x20'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '500+150x20 stale'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x21 0.5+150x20'
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '30x20 stale'
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x21 30x20'
    promql_expr_test:
      # Before the replacement: 30 in flight.
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 95s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 30
      # While the old pod's last samples are still within the range, and
      # the new pod has two: still 30, not 30 + 30.
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 115s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 30
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 125s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 30
`

func TestCapacityPeakIgnoresAnEndedGateway(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(capacityEndedUnitTest), "capacity peak across a gateway replacement")
}
