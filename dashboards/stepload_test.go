package dashboards

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestLoadVsCapacityShowsStepMode: step mode (com.openfaas.scale.type=step,
// and every function under `run --ce-defaults`) scales on
// FunctionStepRateHigh, which fires while the function's invocation rate,
// all replicas together, is above the threshold the controller exports as
// its target gauge (scaling_type="step", 5/s). The Function detail's "Load
// vs capacity" read a step function as if it were sized per replica: no
// load line at all (no load record has the type step: "No data"), and a
// "capacity (step)" line of 5/s × replicas, so at 8/s on 3 replicas it
// drew capacity 15 with nothing under it while the alert fired and the
// function stepped up.
//
// The panel's queries are evaluated by promtool, each as a recording rule
// (panel_target{fn, ref, legend}) beside the generated rules (the rps
// load record), on the data of a step function and an rps one.
func TestLoadVsCapacityShowsStepMode(t *testing.T) {
	evalPanel(t, "Load vs capacity", map[string]string{"step": "stepper.openfaas-fn", "rps": "web.openfaas-fn"}, stepPanelUnitTest)
}

// evalPanel evaluates the queries of the Function detail's panel title
// with promtool, each as a recording rule (panel_target{fn, ref, legend})
// beside the generated rules, once per function of fns (kind → function
// name), and runs unitTest (a promtool rules test reading rules.yml and
// panel.yml) on both promtools.
func evalPanel(t *testing.T, title string, fns map[string]string, unitTest string) {
	t.Helper()
	evalDashboardPanel(t, "function-detail.json", title, fns, unitTest)
}

// evalDashboardPanel is evalPanel on the panel of the dashboard file.
func evalDashboardPanel(t *testing.T, file, title string, fns map[string]string, unitTest string) {
	t.Helper()
	p := panelJSONByTitle(t, file, title)
	const rateInterval = "20s" // 4 × the 5 s scrape, as the shipped provisioning gives
	type rule struct {
		Record string            `yaml:"record"`
		Expr   string            `yaml:"expr"`
		Labels map[string]string `yaml:"labels"`
	}
	var panelRules []rule
	for kind, fn := range fns {
		for _, tg := range p.Targets {
			expr := strings.NewReplacer("$__rate_interval", rateInterval, "$function", fn).Replace(tg.Expr)
			panelRules = append(panelRules, rule{Record: "panel_target", Expr: expr,
				Labels: map[string]string{"fn": kind, "ref": tg.RefID, "legend": tg.LegendFormat}})
		}
	}
	panelFile, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "panel", "rules": panelRules}}})
	if err != nil {
		t.Fatal(err)
	}
	generated, err := rules.Render(rules.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"rules.yml": generated, "panel.yml": panelFile, "panel_test.yml": []byte(unitTest)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	promtoolUnitTests(t, dir, "panel_test.yml", func(t *testing.T, out []byte, err error) {
		t.Fatalf("%s (err %v):\n%s\npanel queries:\n%s", title, err, out, panelFile)
	})
}

// promtoolUnitTests runs `promtool test rules file` in dir with Debian's
// promtool 2 and, when built, promtool 3 (PROMTOOL3), each a subtest;
// failed is called when one does not pass.
func promtoolUnitTests(t *testing.T, dir, file string, failed func(t *testing.T, out []byte, err error)) {
	t.Helper()
	for _, pt := range []struct{ name, env string }{{"promtool2", ""}, {"promtool3", "PROMTOOL3"}} {
		t.Run(pt.name, func(t *testing.T) {
			bin := ""
			if pt.env == "" {
				bin = testenv.LookPath(t, "make test installs it", "promtool")
			} else {
				bin = testenv.EnvPath(t, pt.env, "make promtool3 builds it (mk/rules.mk)")
			}
			cmd := exec.Command(bin, "test", "rules", file)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "SUCCESS") {
				failed(t, out, err)
			}
		})
	}
}

// stepPanelUnitTest: stepper runs step mode at 8/s on 3 of max 5
// replicas (its alert fires: 8 > 5); web runs rps at 60/s on 2 replicas of
// 45/s (capacity 90). The step function's load line is its invocation
// rate, and it has no per-replica capacity; the rps function's lines stay
// what they were.
var stepPanelUnitTest = fmt.Sprintf(`rule_files: [rules.yml, panel.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="stepper.openfaas-fn"}'
        values: '1000+40x40'
      - series: 'faas_autoscaler_function_target_load{function_name="stepper.openfaas-fn",scaling_type="step"}'
        values: '5x40'
      - series: 'faas_autoscaler_function_replicas{function_name="stepper.openfaas-fn"}'
        values: '3x40'
      - series: 'faas_autoscaler_function_min_replicas{function_name="stepper.openfaas-fn"}'
        values: '1x40'
      - series: 'faas_autoscaler_function_max_replicas{function_name="stepper.openfaas-fn"}'
        values: '5x40'
      - series: 'gateway_function_invocation_total{code="200",function_name="web.openfaas-fn"}'
        values: '1000+300x40'
      - series: 'faas_autoscaler_function_target_load{function_name="web.openfaas-fn",scaling_type="rps"}'
        values: '45x40'
      - series: 'faas_autoscaler_function_replicas{function_name="web.openfaas-fn"}'
        values: '2x40'
      - series: 'faas_autoscaler_function_min_replicas{function_name="web.openfaas-fn"}'
        values: '1x40'
      - series: 'faas_autoscaler_function_max_replicas{function_name="web.openfaas-fn"}'
        values: '10x40'
    alert_rule_test:
      - eval_time: 150s
        alertname: %[1]s
        exp_alerts:
          - exp_labels: {alertname: %[1]s, direction: up, service: faas-autoscaler, function_name: stepper.openfaas-fn, scaling_type: step}
            exp_annotations:
              load: '8'
              summary: 'stepper.openfaas-fn: invocation rate 8/s is above step mode''s threshold'
    promql_expr_test:
      - expr: max by (fn) (panel_target{legend=~"load.*"})
        eval_time: 150s
        exp_samples:
          - {labels: '{fn="step"}', value: 8}
          - {labels: '{fn="rps"}', value: 60}
      - expr: max by (fn) (panel_target{legend=~"capacity.*"})
        eval_time: 150s
        exp_samples:
          - {labels: '{fn="rps"}', value: 90}
`, rules.AlertStepRateHigh)
