package dashboards

import (
	"fmt"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestReview52FLoadVsCapacityDrawsTheLoadTheScaleUpAlertCompares: the
// Function detail's "Load vs capacity" says its load line is "the series
// the alert rules compare" and that "scale-up alerts fire once load passes
// capacity by the rules' tolerance". For the counter types (rps, cpu)
// FunctionLoadAboveTarget compares job:function_fresh_load:max (the larger
// of the last scrape interval's rate and the window's), not the window's
// rate the panel draws (job:function_current_load:sum). After a load step
// the alert fires one scrape in, while the drawn load is a fraction of the
// step, below the capacity line: an operator asking why the function
// scaled up sees an alert firing under a load that never crossed capacity.
//
// web runs rps with a target of 50/s on 1 replica (alert above 55/s). Idle
// until 100 s, then 100 calls/s. At 106 s the alert fires with load 100
// (the irate); the panel's load line must read the same 100. It reads the
// 20 s rate, about 26.7, under the capacity of 50.
func TestReview52FLoadVsCapacityDrawsTheLoadTheScaleUpAlertCompares(t *testing.T) {
	evalPanel(t, "Load vs capacity", map[string]string{"rps": "web.openfaas-fn"}, review52FStepUnitTest)
}

var review52FStepUnitTest = fmt.Sprintf(`rule_files: [rules.yml, panel.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="web.openfaas-fn",instance="gw:8082",job="gateway"}'
        values: '0x20 500+500x15'
      - series: 'up{instance="gw:8082",job="gateway"}'
        values: '1x40'
      - series: 'process_start_time_seconds{instance="gw:8082",job="gateway"}'
        values: '-86400x40'
      - series: 'faas_autoscaler_function_target_load{function_name="web.openfaas-fn",scaling_type="rps"}'
        values: '50x40'
      - series: 'faas_autoscaler_function_replicas{function_name="web.openfaas-fn"}'
        values: '1x40'
      - series: 'faas_autoscaler_function_min_replicas{function_name="web.openfaas-fn"}'
        values: '1x40'
      - series: 'faas_autoscaler_function_max_replicas{function_name="web.openfaas-fn"}'
        values: '10x40'
    alert_rule_test:
      - eval_time: 106s
        alertname: %[1]s
        exp_alerts:
          - exp_labels: {direction: up, service: faas-autoscaler, function_name: web.openfaas-fn, scaling_type: rps}
            exp_annotations:
              load: '100'
              summary: 'web.openfaas-fn: rps load 100 is above its target times its replicas'
    promql_expr_test:
      - expr: max by (fn) (panel_target{legend=~"capacity.*"})
        eval_time: 106s
        exp_samples:
          - {labels: '{fn="rps"}', value: 50}
      - expr: max by (fn) (panel_target{legend=~"load.*"})
        eval_time: 106s
        exp_samples:
          - {labels: '{fn="rps"}', value: 100}
`, rules.AlertLoadAboveTarget)
