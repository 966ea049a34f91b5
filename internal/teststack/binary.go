package teststack

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// NeedBinary returns the path of the first of names found on PATH. When none
// is found the test is skipped, or fails when the environment has CI=true: in
// CI a missing server is a broken machine, not a reason to pass.
func NeedBinary(t testing.TB, names ...string) string {
	t.Helper()
	return testenv.LookPath(t, "install them with "+
		"`apt-get install -y --no-install-recommends prometheus prometheus-alertmanager` (or run `make test`)", names...)
}
