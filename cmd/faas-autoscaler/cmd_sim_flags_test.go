package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimUnknownBaseline: --baseline is the "policy idle replica-seconds
// are normalised to"; like --policies, an unknown name is a bad enum
// value. It was never checked: `sim --baseline bogus` replayed, printed an
// "idle vs bogus" column of dashes and exited 0.
func TestSimUnknownBaseline(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	var out, errb bytes.Buffer
	code := simCmd([]string{"--trace", "synth:rare", "--minutes", "5", "--policies", "fixed-10m", "--baseline", "bogus", "--progress", "never"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--baseline") {
		t.Errorf("sim --baseline bogus: exit %d, want 2 naming --baseline; stderr %q", code, errb.String())
	}
}

// TestSimBaselineIsCanonical: a baseline need not be replayed (`--policies
// faas-autoscaler` keeps the default fixed-10m), and a fixed-<duration> is
// written as the policy names itself, so --baseline fixed-600s matches the
// replayed fixed-10m.
func TestSimBaselineIsCanonical(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	for _, tc := range []struct{ policies, baseline, want string }{
		{"faas-autoscaler", "fixed-10m", "fixed-10m"},
		{"fixed-10m", "fixed-600s", "fixed-10m"},
		{"fixed-10m", "faas-autoscaler", "faas-autoscaler"},
	} {
		var errb bytes.Buffer
		o, err := parseSimFlags([]string{"--trace", "synth:rare", "--policies", tc.policies, "--baseline", tc.baseline}, &errb)
		if err != nil || o.baseline != tc.want {
			t.Errorf("--policies %s --baseline %s: baseline %q, error %v; want %q", tc.policies, tc.baseline, o.baseline, err, tc.want)
		}
	}
}

// TestSimEvalKnativeNotExecutable: --knative is "bench/knative's binary".
// Only os.Stat() was checked, so a directory or a non-executable file was
// accepted; then every cell's Knative run failed with "fork/exec …
// permission denied", was turned into a note, and sim-eval exited 0 with
// the requested peer missing from every cell.
func TestSimEvalKnativeNotExecutable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "knative-kpa")
	if err := os.WriteFile(file, []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, file} {
		var out, errb bytes.Buffer
		if code := simEvalCmd([]string{"--knative", p, "--traces", dir, "--only", "no-such-cell", "--progress", "never"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--knative") {
			t.Errorf("--knative %s (not an executable): exit %d, want 2 naming --knative; stderr %q", p, code, errb.String())
		}
	}
	// An executable passes the check: sim-eval goes on, to find no cell.
	if err := os.Chmod(file, 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := simEvalCmd([]string{"--knative", file, "--traces", dir, "--only", "no-such-cell", "--progress", "never"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no cell left") {
		t.Errorf("--knative %s (executable): exit %d, want 1 (no cell left); stderr %q", file, code, errb.String())
	}
}
