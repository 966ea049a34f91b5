package rules

import (
	"os/exec"
	"strings"
	"testing"
)

// stepUnitTest: step mode (com.openfaas.scale.type=step, or every function
// under `run --ce-defaults`) acts on alerts only (scaler/step.go). The
// controller exports a step function's replicas, min and max, and its
// target load with scaling_type="step" valued at the rate its alert fires
// above (scaler.StepAlertRate, 5/s). Three functions, 1 of max 5 replicas
// unless said: step.fn at 100/s fires, with scaling_type="step" for the
// webhook; slow.fn at 2/s does not; full.fn at 100/s on 5 of 5 fires too:
// in step mode a resolved alert means the load is gone (exact CE drops to
// the minimum), so it must not resolve at the maximum (a review found it
// did, and a function under full load sawtoothed 5 -> 1 -> 5). Found by an
// earlier review: every generated alert
// joined on the target gauge, which step functions did not have, so they
// never got an alert and never scaled up.
const stepUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="step.fn"}'
        values: '10000+500x30'
      - series: 'gateway_function_invocation_total{code="200",function_name="slow.fn"}'
        values: '100+10x30'
      - series: 'gateway_function_invocation_total{code="200",function_name="full.fn"}'
        values: '10000+500x30'
      - series: 'faas_autoscaler_function_replicas{function_name="step.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_replicas{function_name="slow.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_replicas{function_name="full.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="step.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="slow.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="full.fn"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="step.fn",scaling_type="step"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="slow.fn",scaling_type="step"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_target_load{function_name="full.fn",scaling_type="step"}'
        values: '5x30'
    promql_expr_test:
      - expr: count by (function_name, scaling_type) (ALERTS{service="faas-autoscaler", alertstate="firing"})
        eval_time: 60s
        exp_samples:
          - labels: '{function_name="full.fn", scaling_type="step"}'
            value: 1
          - labels: '{function_name="step.fn", scaling_type="step"}'
            value: 1
`

func TestStepModeGetsAnAlertFromShippedRules(t *testing.T) {
	bin := promtoolBin(t, "")
	out, err := Render(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "rules.yml", out)
	writeFile(t, dir, "step_test.yml", []byte(stepUnitTest))
	cmd := exec.Command(bin, "test", "rules", "step_test.yml")
	cmd.Dir = dir
	got, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(got), "SUCCESS") {
		t.Fatalf("step mode's alert (err %v):\n%s", err, got)
	}
}
