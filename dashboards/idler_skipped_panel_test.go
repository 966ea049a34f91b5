package dashboards

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIdlerSkippedShowsFunctionsPerCycle: "Idler: functions not idled, by
// reason" (controller health) draws the functions the idler left alone per
// idler cycle, in unit "short". The counter grows by the functions left
// alone at each idler cycle (idler/act.go adds n per code per cycle).
//
// "every cycle lists": drawn as
// sum by (reason) (increase(faas_autoscaler_idler_skipped_total[$__rate_interval])),
// the figure was "functions left alone in the cycles that fell inside the
// last $__rate_interval", extrapolated: with the default schedule (@every
// 30s) and the shipped provisioning (5 s data source, 20 s
// $__rate_interval at the default range) a fleet where the idler leaves the
// same 3 active functions alone at every cycle was drawn as a comb between
// 0 and 3 (Prometheus 2) or 0 and 4 (Prometheus 3's left-open ranges
// extrapolate 15 s of samples to 20 s). Found by a review helper; the panel
// divides by the cycles in the window.
//
// "every other cycle fails to list": the counter only grows in a cycle that
// listed the functions (runs_total{result="ok"}); one that could not
// (result="error": the provider is down) counts none. Divided by both
// results, the panel halved what each cycle left alone, and drew 0 for
// every reason while every cycle failed, when the idler judged nothing.
// Seen failing before the fix (session 46): the panel read 0 for every
// reason at 2m (the divisor counted result="error" cycles).
//
// Every reading must be the 3 functions a listing cycle leaves alone (a
// step without such a cycle in its window may show nothing, not 0 and not
// 4).
func TestIdlerSkippedShowsFunctionsPerCycle(t *testing.T) {
	p := panelJSONByTitle(t, "controller-health.json", "Idler: functions not idled, by reason")
	q := grafanaExpr(p.Targets[0].Expr, 5*time.Second, 20*time.Second, "")
	for _, c := range []struct {
		name    string
		failing bool // every other cycle fails to list
		until   int  // the last eval time checked, in seconds
	}{{"every cycle lists", false, 150}, {"every other cycle fails to list", true, 270}} {
		t.Run(c.name, func(t *testing.T) {
			// One cycle every 30 s from t=30s; scraped every 5 s.
			var skipped, ok, failed []string
			s, o, f := 0, 0, 0
			for n := 0; n < 10; n++ {
				switch {
				case n == 0:
				case c.failing && n%2 == 0:
					f++
				default:
					s, o = s+3, o+1
				}
				for range 6 {
					skipped, ok, failed = append(skipped, fmt.Sprint(s)), append(ok, fmt.Sprint(o)), append(failed, fmt.Sprint(f))
				}
			}
			var cases strings.Builder
			for at := 120; at < c.until; at += 5 {
				// Any reading other than 3 (none is fine: no cycle in the window).
				fmt.Fprintf(&cases, `      - expr: '(%[1]s) != 3'
        eval_time: %[2]ds
        exp_samples: []
`, strings.ReplaceAll(q, "'", "''"), at)
			}
			series := func(metric, labels string, values []string) string {
				return fmt.Sprintf("      - series: '%s{instance=\"controller:8080\",job=\"faas-autoscaler\",%s}'\n        values: '%s'\n",
					metric, labels, strings.Join(values, " "))
			}
			test := `rule_files: [empty.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
` + series("faas_autoscaler_idler_skipped_total", `reason="active"`, skipped) +
				series("faas_autoscaler_idler_runs_total", `result="ok"`, ok) +
				series("faas_autoscaler_idler_runs_total", `result="error"`, failed) +
				"    promql_expr_test:\n" + cases.String()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "empty.yml"), []byte("groups: []\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "t.yml"), []byte(test), 0o644); err != nil {
				t.Fatal(err)
			}
			promtoolUnitTests(t, dir, "t.yml", func(t *testing.T, out []byte, _ error) {
				t.Errorf("%s: the panel reads otherwise than 3 at the steps below (the readings that are not 3)\n  %s\n%s", c.name, q, out)
			})
		})
	}
}
