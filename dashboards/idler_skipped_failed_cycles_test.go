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
)

// "Idler: functions not idled, by reason" (controller health) divides the
// functions the idler left alone by the idler's cycles in the window, and
// its description says "per idler cycle". faas_autoscaler_idler_skipped_total
// only grows in a cycle that listed the functions (runs_total{result="ok"});
// a cycle that could not list them (result="error": the provider is down)
// leaves no function counted. The divisor counts both results, so while the
// provider fails every other cycle the panel halves what each cycle left
// alone, and while every cycle fails it draws 0 functions for every reason
// (nothing held back) when the idler evaluated nothing at all. Each reading
// must be the 3 functions a listing cycle leaves alone, or nothing.
//
// Seen failing before the fix: the panel read 0 for every reason at 2m
// while every other cycle failed to list (the divisor counted
// result="error" cycles)
func TestIdlerSkippedPanelCountsOnlyCyclesThatListed(t *testing.T) {
	p := panelJSONByTitle(t, "controller-health.json", "Idler: functions not idled, by reason")
	q := grafanaExpr(p.Targets[0].Expr, 5*time.Second, 20*time.Second, "")

	// One cycle every 30 s from t=30s; every other one fails to list (no
	// function counted). Scraped every 5 s.
	var skipped, ok, failed []string
	s, o, f := 0, 0, 0
	for c := 0; c < 10; c++ {
		if c > 0 {
			if c%2 == 1 {
				s, o = s+3, o+1
			} else {
				f++
			}
		}
		for range 6 {
			skipped = append(skipped, fmt.Sprint(s))
			ok = append(ok, fmt.Sprint(o))
			failed = append(failed, fmt.Sprint(f))
		}
	}
	var cases strings.Builder
	for at := 120; at < 270; at += 5 {
		fmt.Fprintf(&cases, `      - expr: '(%[1]s) != 3'
        eval_time: %[2]ds
        exp_samples: []
`, strings.ReplaceAll(q, "'", "''"), at)
	}
	test := fmt.Sprintf(`rule_files: [empty.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'faas_autoscaler_idler_skipped_total{instance="controller:8080",job="faas-autoscaler",reason="active"}'
        values: '%s'
      - series: 'faas_autoscaler_idler_runs_total{instance="controller:8080",job="faas-autoscaler",result="ok"}'
        values: '%s'
      - series: 'faas_autoscaler_idler_runs_total{instance="controller:8080",job="faas-autoscaler",result="error"}'
        values: '%s'
    promql_expr_test:
%s`, strings.Join(skipped, " "), strings.Join(ok, " "), strings.Join(failed, " "), cases.String())

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.yml"), []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := testenv.LookPath(t, "make test installs it", "promtool")
	cmd := exec.Command(bin, "test", "rules", "t.yml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("every listing cycle leaves the same 3 functions alone, every other cycle fails to list; the panel reads otherwise at the steps below (the readings that are not 3)\n  %s\n%s", q, out)
	}
}
