package teststack

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// NeedBinary returns the path of the first of names found on PATH. When none
// is found the test is skipped, or fails when the environment has CI=true: in
// CI a missing server is a broken machine, not a reason to pass.
func NeedBinary(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := "none of " + strings.Join(names, ", ") + " found on PATH; install them with " +
		"`apt-get install -y --no-install-recommends prometheus prometheus-alertmanager` (or run `make test`)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
