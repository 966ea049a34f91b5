package chart

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// pendingFlags are flags the chart may pass before the controller defines
// them (--config was one until the configuration file landed). The test
// fails once the controller defines one, so the entry is removed and the
// flag checked like the others.
var pendingFlags = map[string]bool{}

// Every flag the chart passes, in every value set, is one `faas-autoscaler
// run` defines: the chart and the binary cannot drift apart silently.
func TestRenderedFlagsExist(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the controller")
	}
	cmd := exec.Command("go", "run", "../cmd/faas-autoscaler", "run", "-h")
	usage, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("faas-autoscaler run -h: %v\n%s", err, usage)
	}
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(usage), -1) {
		defined[m[1]] = true
	}
	if len(defined) < 10 {
		t.Fatalf("found %d flags in the usage; the parser is broken:\n%s", len(defined), usage)
	}
	for name := range pendingFlags {
		if defined[name] {
			t.Errorf("the controller now defines --%s: remove it from pendingFlags", name)
		}
	}
	for _, vs := range matrix() {
		for _, a := range vs.args {
			if !strings.HasPrefix(a, "--") {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !defined[name] && !pendingFlags[name] {
				t.Errorf("%s: the chart passes --%s, which `faas-autoscaler run` does not define", vs.name, name)
			}
		}
	}
}
