package rules

import (
	"testing"
)

// freshEndedUnitTest: a gateway replaced under steady load (a rolling
// update, a rescheduled pod, a replica the gateway's HPA removes). The old
// pod (instance a) serves 60/s until 100 s and is gone from the next scrape
// on, so Prometheus marks its series stale; the new pod (instance b) takes
// the same 60/s from 105 s, its counter born at its first call. The
// function runs 2 replicas of 45/s: the scale-up threshold is
// 2 × 45 × 1.1 = 99/s, well above the 60/s it serves.
//
// Found by review: irate() over the window still returned the ended
// series' last rate until the window had passed it, and the new pod's
// rate came on top, so the fresh record read 120/s for a window after
// every gateway replacement: FunctionLoadAboveTarget fired with load 120,
// and the controller, which takes a firing alert's load as burst
// evidence, scaled the function from 2 to ceil(120/45) = 3 for a load
// that had not changed. rate() is not affected (it divides the ended
// series' part by the whole window).
const freshEndedUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+300x20 stale'
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x21 1+300x20'
      - series: 'faas_autoscaler_function_target_load{function_name="fn.openfaas-fn",scaling_type="rps"}'
        values: '45x50'
      - series: 'faas_autoscaler_function_replicas{function_name="fn.openfaas-fn"}'
        values: '2x50'
      - series: 'faas_autoscaler_function_min_replicas{function_name="fn.openfaas-fn"}'
        values: '1x50'
      - series: 'faas_autoscaler_function_max_replicas{function_name="fn.openfaas-fn"}'
        values: '10x50'
    promql_expr_test:
      # Before the replacement: one pod, 60/s.
      - expr: job:function_fresh_load:max
        eval_time: 90s
        exp_samples:
          - labels: '{__name__="job:function_fresh_load:max", function_name="fn.openfaas-fn", scaling_type="rps"}'
            value: 60
      # Once the new pod has two samples: still 60/s, not 60 + 60.
      - expr: job:function_fresh_load:max
        eval_time: 110s
        exp_samples:
          - labels: '{__name__="job:function_fresh_load:max", function_name="fn.openfaas-fn", scaling_type="rps"}'
            value: 60
      - expr: job:function_fresh_load:max
        eval_time: 115s
        exp_samples:
          - labels: '{__name__="job:function_fresh_load:max", function_name="fn.openfaas-fn", scaling_type="rps"}'
            value: 60
    alert_rule_test:
      - eval_time: 110s
        alertname: FunctionLoadAboveTarget
        exp_alerts: []
      - eval_time: 115s
        alertname: FunctionLoadAboveTarget
        exp_alerts: []
`

func TestFreshLoadIgnoresAnEndedGateway(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(freshEndedUnitTest), "fresh load across a gateway replacement")
}
