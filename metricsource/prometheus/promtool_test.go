package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// promtoolUnitTest runs `promtool test rules` on a unit test file (test.yml,
// which names rules.yml when it needs rules) beside the rule file rules,
// and fails with promtool's output. The source's queries are checked on
// synthetic series this way: `promql_expr_test` with the query's text.
func promtoolUnitTest(t *testing.T, rules, test string) {
	t.Helper()
	bin := testenv.LookPath(t, "the Debian prometheus package installs it", "promtool")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "test", "rules", "test.yml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool (err %v):\n%s", err, out)
	}
}

// yamlQuoted quotes expr as a YAML single-quoted scalar.
func yamlQuoted(expr string) string { return "'" + strings.ReplaceAll(expr, "'", "''") + "'" }
