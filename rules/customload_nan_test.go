package rules

import (
	"testing"
)

// customNaNSeriesUnitTest is customPerInstanceUnitTest with, for each
// custom-type function, a code="500" series that no longer moves (one 500
// long ago): OpenFaaS Pro's latency example makes its ratio 0/0 = NaN at
// every evaluation, as it does for a gateway replica without a call of the
// function in its range. The alerts fire as they do without it, on the
// series with calls (lat's load 2, not NaN). gone has only such a series:
// its load stays missing, so it fires nothing, not a scale-down for a
// load of 0.
const customNaNSeriesUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_functions_seconds_sum{code="200",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="lat.fn",instance="gw-b:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="lat.fn",instance="gw-b:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="idle.fn",instance="gw-b:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="idle.fn",instance="gw-b:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="cold.fn",instance="gw-b:8082",job="gateway"}'
        values: '1000+2x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="cold.fn",instance="gw-b:8082",job="gateway"}'
        values: '500+1x30'
      - series: 'gateway_function_invocation_total{code="200",function_name="busy.fn",instance="gw-a:8082",job="gateway"}'
        values: '1000+250x30'
      - series: 'gateway_function_invocation_total{code="200",function_name="busy.fn",instance="gw-b:8082",job="gateway"}'
        values: '1000+250x30'
      - series: 'faas_autoscaler_function_target_load{function_name="lat.fn",scaling_type="latency"}'
        values: '0.5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="idle.fn",scaling_type="latency"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="cold.fn",scaling_type="latency"}'
        values: '0.5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="busy.fn",scaling_type="rps"}'
        values: '10x30'
      - series: 'faas_autoscaler_function_replicas{function_name="lat.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_replicas{function_name="idle.fn"}'
        values: '4x30'
      - series: 'faas_autoscaler_function_replicas{function_name="cold.fn"}'
        values: '0x30'
      - series: 'faas_autoscaler_function_replicas{function_name="busy.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="lat.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="idle.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="cold.fn"}'
        values: '0x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="busy.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="lat.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="idle.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="cold.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="busy.fn"}'
        values: '5x30'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="gone.fn",instance="gw-a:8082",job="gateway"}'
        values: '7x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="gone.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'faas_autoscaler_function_target_load{function_name="gone.fn",scaling_type="latency"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_replicas{function_name="gone.fn"}'
        values: '4x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="gone.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="gone.fn"}'
        values: '5x30'
    promql_expr_test:
      - expr: ALERTS{service="faas-autoscaler", alertstate="firing"}
        eval_time: 100s
        exp_samples:
          - labels: 'ALERTS{alertname="FunctionLoadAboveTarget",alertstate="firing",direction="up",function_name="busy.fn",scaling_type="rps",service="faas-autoscaler"}'
            value: 1
          - labels: 'ALERTS{alertname="FunctionLoadAboveTarget",alertstate="firing",direction="up",function_name="lat.fn",scaling_type="latency",service="faas-autoscaler"}'
            value: 1
          - labels: 'ALERTS{alertname="FunctionLoadBelowTarget",alertstate="firing",direction="down",function_name="idle.fn",scaling_type="latency",service="faas-autoscaler"}'
            value: 1
          - labels: 'ALERTS{alertname="FunctionAtZeroWithLoad",alertstate="firing",direction="up",function_name="cold.fn",scaling_type="latency",service="faas-autoscaler"}'
            value: 1
    alert_rule_test:
      - eval_time: 100s
        alertname: FunctionLoadAboveTarget
        exp_alerts:
          - exp_labels: {alertname: FunctionLoadAboveTarget, direction: up, function_name: busy.fn, scaling_type: rps, service: faas-autoscaler}
            exp_annotations:
              load: '100'
              summary: 'busy.fn: rps load 100 is above its target times its replicas'
          - exp_labels: {alertname: FunctionLoadAboveTarget, direction: up, function_name: lat.fn, scaling_type: latency, service: faas-autoscaler}
            exp_annotations:
              load: '2'
              summary: 'lat.fn: latency load 2 is above its target times its replicas'
`

// TestCustomLoadAlertsLeaveOutNaNSeries: the alerts average a custom load's
// series without its NaN ones (promql.DropNaN), as the controller does
// (metricsource/prometheus TestCustomLoadLeavesOutNaNSeries).
//
// Seen failing before the fix: no alert fired for lat, idle or cold (their
// average NaN), only busy's.
func TestCustomLoadAlertsLeaveOutNaNSeries(t *testing.T) {
	o := Defaults()
	o.Custom = []CustomType{{Name: "latency", Expr: customPerInstanceExpr}}
	promtoolRulesTest(t, o, []byte(customNaNSeriesUnitTest), "alerts over a custom load with NaN series")
}
