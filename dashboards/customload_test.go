package dashboards

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestFunctionPanelsReadACustomLoadPerInstance: a custom load recorded as
// OpenFaaS Pro's docs write their latency example (rate(..._sum) /
// rate(..._count), no aggregation) keeps a series per gateway replica and
// status code under job:function_current_load:sum. The controller reads it
// as avg by (function_name) (metricsource/prometheus), and so must the
// Function detail: "Surplus replicas" divided it one-to-one by the target
// gauge and failed ("many-to-one matching must be explicit"), and "Load vs
// capacity" drew one "load (latency)" line per gateway replica. Here two
// gateway replicas each record 2 for a function of target 0.5 on 4
// replicas: the load is 2, it needs 4 replicas, the surplus is 0.
func TestFunctionPanelsReadACustomLoadPerInstance(t *testing.T) {
	bin := testenv.LookPath(t, "make test installs it", "promtool")
	const function = "lat.openfaas-fn"
	load := panelJSONByTitle(t, "function-detail.json", "Load vs capacity")
	surplus := panelJSONByTitle(t, "function-detail.json", "Surplus replicas (way down)")
	expr := func(p panelJSON, legend string) string {
		for _, q := range p.Targets {
			if q.LegendFormat == legend {
				return grafanaExpr(q.Expr, 5*time.Second, 20*time.Second, function)
			}
		}
		t.Fatalf("panel %q: no series %q", p.Title, legend)
		return ""
	}
	in := func(name, labels, values string) string {
		return fmt.Sprintf("      - series: '%s{function_name=%q,%s}'\n        values: '%s'\n", name, function, labels, values)
	}
	var b strings.Builder
	b.WriteString("rule_files: [empty.yml]\nevaluation_interval: 5s\ntests:\n  - interval: 5s\n    input_series:\n")
	for _, gw := range []string{"gw-a:8082", "gw-b:8082"} {
		b.WriteString(in(rules.CurrentLoadRecord, `code="200",instance="`+gw+`",job="gateway",scaling_type="latency"`, "2x20"))
	}
	b.WriteString(in("faas_autoscaler_function_target_load", `scaling_type="latency"`, "0.5x20"))
	b.WriteString(in("faas_autoscaler_function_replicas", `job="faas-autoscaler"`, "4x20"))
	b.WriteString(in("faas_autoscaler_function_min_replicas", `job="faas-autoscaler"`, "1x20"))
	b.WriteString("    promql_expr_test:\n")
	check := func(q, labels string, value float64) {
		fmt.Fprintf(&b, "      - expr: '%s'\n        eval_time: 60s\n        exp_samples:\n          - labels: '%s'\n            value: %g\n",
			strings.ReplaceAll(q, "'", "''"), labels, value)
	}
	for _, legend := range []string{"load ({{scaling_type}}, scale-up alert)", "load ({{scaling_type}}, window: scale-down)"} {
		check(expr(load, legend), `{function_name="`+function+`",scaling_type="latency"}`, 2)
	}
	check(expr(surplus, "surplus replicas"), `{function_name="`+function+`"}`, 0)

	dir := t.TempDir()
	for name, data := range map[string]string{"empty.yml": "groups: []\n", "panels_test.yml": b.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "test", "rules", "panels_test.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("Function detail over a custom load with a series per gateway replica (err %v):\n%s\n%s", err, out, b.String())
	}
}
