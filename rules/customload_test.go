package rules

import (
	"testing"
)

// customPerInstanceUnitTest: a custom scaling type written as OpenFaaS
// Pro's docs write their latency example, without an aggregation, gives one
// series per gateway replica and status code, not one per function. The
// controller reads such a load as avg by (function_name) (metricsource/
// prometheus), so the alerts must too: before they did, the scale-up and
// scale-down rules failed to evaluate ("many-to-one matching must be
// explicit"), for every function and every type, rps ones included, and
// FunctionAtZeroWithLoad sent one alert per gateway replica, each with its
// instance and code labels. Two gateway replicas here; mean latency 2 s.
//   - lat: 1 replica of target 0.5 → above (0.55).
//   - idle: 4 replicas of target 5 → below (13.5).
//   - cold: 0 replicas with a load → at zero, once.
//   - busy: an rps function at 100/s on 1 replica of 10 → above, whatever
//     the custom type's series look like.
const customPerInstanceUnitTest = `rule_files: [rules.yml]
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

// customPerInstanceExpr is OpenFaaS Pro's documented latency example for
// a custom scaling type, at the shipped rules' window.
const customPerInstanceExpr = `rate(gateway_functions_seconds_sum[20s]) / rate(gateway_functions_seconds_count[20s])`

func TestCustomLoadWithPerInstanceSeries(t *testing.T) {
	o := Defaults()
	o.Custom = []CustomType{{Name: "latency", Expr: customPerInstanceExpr}}
	promtoolRulesTest(t, o, []byte(customPerInstanceUnitTest), "alerts over a custom load with a series per gateway replica")
}
