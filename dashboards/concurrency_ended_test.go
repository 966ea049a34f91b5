package dashboards

import "testing"

// TestConcurrencyPanelIgnoresAnEndedGateway: the Function detail's
// "Concurrency: gauge and arrivals" draws the arrivals part of the capacity
// load, the started counter's irate() × the mean duration. After a gateway
// pod was replaced (a rolling update, a rescheduled pod, a gateway replica
// removed) irate() kept the old pod's last rate on top of the new one's
// for the range: the line read twice the concurrency while the controller
// (promql.CapacityParts) no longer counts it.
func TestConcurrencyPanelIgnoresAnEndedGateway(t *testing.T) {
	evalPanel(t, "Concurrency: gauge and arrivals", map[string]string{"fn": "fn.openfaas-fn"}, concurrencyEndedUnitTest)
}

// concurrencyEndedUnitTest: 60 calls/s of 0.5 s each (30 in flight); the
// old pod (a) is gone after 100 s, the new one (b) serves from 105 s.
const concurrencyEndedUnitTest = `rule_files: [rules.yml, panel.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082"}'
        values: '1000+300x20 stale'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-b:8082"}'
        values: '_x21 1+300x20'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082"}'
        values: '1000+300x20 stale'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082"}'
        values: '_x21 1+300x20'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082"}'
        values: '500+150x20 stale'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082"}'
        values: '_x21 0.5+150x20'
    promql_expr_test:
      - expr: max by (fn) (panel_target{legend=~"arrivals.*"})
        eval_time: 95s
        exp_samples:
          - {labels: '{fn="fn"}', value: 30}
      - expr: max by (fn) (panel_target{legend=~"arrivals.*"})
        eval_time: 115s
        exp_samples:
          - {labels: '{fn="fn"}', value: 30}
`
