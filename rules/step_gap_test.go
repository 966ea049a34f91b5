package rules

import (
	"testing"
)

// stepGapUnitTest: a step-mode function under steady load (40/s, far above
// step mode's 5/s) while the controller's own series blink: one failed
// scrape of the controller (at 30 s, a common interval for an exporter of
// this kind), a restart, or a leader hand-over, in which the old leader
// stops exporting rows at once and the new one only after its first pass.
// Prometheus marks the series stale and the threshold gauge is gone for
// 30 s.
//
// Found by review: the step alert joined on the gauge as it is now, so it
// resolved for the gap, and in step mode a resolved alert means the load
// is gone: exact CE dropped the function to its minimum, step mode started
// its way down, and the alert's return a scrape later stepped it up again
// from there, one step per repeat. OpenFaaS CE's own rule reads gateway
// counters only and never did this. The load did not change, so the alert
// must not resolve.
const stepGapUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="busy.openfaas-fn"}'
        values: '10000+200x40'
      - series: 'faas_autoscaler_function_target_load{function_name="busy.openfaas-fn",instance="controller:8080",job="faas-autoscaler",scaling_type="step"}'
        values: '5x10 stale _x5 5x20'
    alert_rule_test:
      - eval_time: 50s
        alertname: FunctionStepRateHigh
        exp_alerts: &firing
          - exp_labels: {direction: up, service: faas-autoscaler, function_name: busy.openfaas-fn, scaling_type: step}
            exp_annotations:
              load: '40'
              summary: 'busy.openfaas-fn: invocation rate 40/s is above step mode''s threshold'
      # The gauge is stale from 55 s to 90 s.
      - eval_time: 60s
        alertname: FunctionStepRateHigh
        exp_alerts: *firing
      - eval_time: 80s
        alertname: FunctionStepRateHigh
        exp_alerts: *firing
      - eval_time: 100s
        alertname: FunctionStepRateHigh
        exp_alerts: *firing
`

func TestStepAlertOutlivesAControllerGap(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(stepGapUnitTest), "step alert across a gap in the controller's series")
}
