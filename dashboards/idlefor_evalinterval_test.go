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

// TestIdleForDoesNotDependOnTheServersEvaluationInterval: the Function
// detail's "Idle for" looks for the last call with a subquery written
// `[$__range:]`, without a resolution. Prometheus then steps the subquery
// at its *global evaluation_interval*, which the dashboard does not know
// and the generated rules do not need (their groups set their own
// interval): Prometheus' own default is 1m, prometheus-operator's (and so
// kube-prometheus-stack's) 30s. At each of those steps the expression only
// looks back $__rate_interval (20 s with the shipped provisioning's 5 s
// data source at the default 1 h range), so a call whose counter moved in
// the 10 s between the end of one window and the next step is never seen.
//
// Here a function was called once, 8 m 55 s before the panel is read, on a
// Prometheus with a 30 s evaluation_interval. "Idle for" must say about
// 535 s (to within $__rate_interval); it shows nothing, which the panel
// documents as "none in the dashboard's range".
// Found by a review helper; the subquery now steps at $__interval.
func TestIdleForDoesNotDependOnTheServersEvaluationInterval(t *testing.T) {
	promtool := testenv.LookPath(t, "make test installs it", "promtool")
	p := panelJSONByTitle(t, "function-detail.json", "Idle for")
	const fn = "fn.openfaas-fn"
	// The shipped provisioning: data source timeInterval 5s, default range
	// 1h: step ($__interval) 5 s, $__rate_interval max(5s+5s, 4×5s) = 20 s.
	q := grafanaExpr(p.Targets[0].Expr, 5*time.Second, 20*time.Second, fn)

	// The started counter exists from t=0 (called before the range), is
	// scraped every 5 s, and moves once: the sample at 3665 s is the first
	// to hold the new value. Read at 70 m: called 535 s ago.
	const before, callSample, evalAt = 10.0, 3665, 70 * 60
	n := callSample / 5 // samples 0..3660 hold `before`
	values := fmt.Sprintf("%gx%d %gx%d", before, n-1, before+1, (evalAt-callSample)/5+10)
	test := fmt.Sprintf(`rule_files: [empty.yml]
evaluation_interval: 30s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_started{function_name=%q,instance="10.0.0.7:8082",job="openfaas-pods"}'
        values: '%s'
    promql_expr_test:
      - expr: 'count(((%s) >= %d) <= %d)'
        eval_time: %ds
        exp_samples:
          - value: 1
`, fn, values, strings.ReplaceAll(q, "'", "''"), evalAt-callSample-20, evalAt-callSample, evalAt)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "empty.yml"), []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "t.yml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil && strings.Contains(string(out), "SUCCESS") {
		return
	}
	t.Errorf("a function called once %d s ago, on a Prometheus whose global evaluation_interval is 30s: \"Idle for\" is not within [%d, %d] s (promtool below: got: nothing = the panel shows \"none in the dashboard's range\")\n  %s\n%s",
		evalAt-callSample, evalAt-callSample-20, evalAt-callSample, q, out)
}
