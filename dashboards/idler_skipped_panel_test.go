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

// TestIdlerSkippedShowsFunctionsPerCycle: "Idler: functions not idled, by
// reason" (controller health) draws
// sum by (reason) (increase(faas_autoscaler_idler_skipped_total[$__rate_interval])),
// in unit "short", as a number of functions. The counter grows by the
// functions left alone at each idler cycle (idler/act.go adds n per code
// per cycle), so the figure is "functions left alone in the cycles that
// fell inside the last $__rate_interval", extrapolated: with the default
// schedule (@every 30s) and the shipped provisioning (5 s data source, 20 s
// $__rate_interval at the default range) a fleet where the idler leaves
// the same 3 active functions alone at every cycle is drawn as a comb
// between 0 and 3 (Prometheus 2) or 0 and 4 (Prometheus 3's
// left-open ranges extrapolate 15 s of samples to 20 s); an @every 10s
// schedule doubles it. Every reading should be the 3 functions the idler
// leaves alone (a step without a cycle in its window may show nothing,
// not 0 and not 4).
// Found by a review helper; the panel now divides by the cycles in the window.
func TestIdlerSkippedShowsFunctionsPerCycle(t *testing.T) {
	p := panelJSONByTitle(t, "controller-health.json", "Idler: functions not idled, by reason")
	q := grafanaExpr(p.Targets[0].Expr, 5*time.Second, 20*time.Second, "")

	// One cycle every 30 s from t=30s, each leaving 3 functions alone as
	// active; scraped every 5 s.
	var skipped, runs []string
	for c := 0; c < 8; c++ {
		skipped = append(skipped, fmt.Sprintf("%dx5", 3*c))
		runs = append(runs, fmt.Sprintf("%dx5", c))
	}
	var cases strings.Builder
	for at := 120; at < 150; at += 5 {
		// Any reading other than 3 (none is fine: no cycle in the window).
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
    promql_expr_test:
%s`, strings.Join(skipped, " "), strings.Join(runs, " "), cases.String())

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.yml"), []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, pt := range []struct{ name, env string }{{"promtool2", ""}, {"promtool3", "PROMTOOL3"}} {
		t.Run(pt.name, func(t *testing.T) {
			bin := ""
			if pt.env == "" {
				bin = testenv.LookPath(t, "make test installs it", "promtool")
			} else {
				bin = testenv.EnvPath(t, pt.env, "make test builds it (mk/rules.mk)")
			}
			cmd := exec.Command(bin, "test", "rules", "t.yml")
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "SUCCESS") {
				t.Errorf("the idler leaves the same 3 functions alone at every 30 s cycle; the panel reads otherwise at the steps below (got: the readings that are not 3)\n  %s\n%s", q, out)
			}
		})
	}
}
