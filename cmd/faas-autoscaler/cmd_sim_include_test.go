package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimIncludeKeepsTheIncludedBaseline: --include merges another run's
// results. simRebase dropped the included document's baseline row as
// "already in this run" without checking that it was: when this run did
// not replay that policy (--policies without it), the row silently
// vanished from the table, CSV and JSON. When this run did replay it, the
// included copy is still left out (one fixed-10m row, this run's).
// Seen failing before the fix: the merged CSV had fixed-1h and fixed-20m
// rows and no fixed-10m.
func TestSimIncludeKeepsTheIncludedBaseline(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "a.json")
	run := func(args ...string) string {
		t.Helper()
		csv := filepath.Join(t.TempDir(), "b.csv")
		var out, errb bytes.Buffer
		args = append([]string{"--trace", "synth:rare", "--minutes", "30", "--progress", "never", "--csv", csv}, args...)
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d; %s", args, code, errb.String())
		}
		b, err := os.ReadFile(csv)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	run("--policies", "fixed-10m,fixed-20m", "--json", js)

	merged := run("--policies", "fixed-1h", "--include", js)
	for _, p := range []string{"fixed-1h", "fixed-20m", "fixed-10m"} {
		if n := strings.Count(merged, "\n"+p+","); n != 1 {
			t.Errorf("merged CSV has %d rows of %s (replayed here or included), want 1:\n%s", n, p, merged)
		}
	}

	both := run("--policies", "fixed-10m,fixed-1h", "--include", js)
	for _, p := range []string{"fixed-1h", "fixed-20m", "fixed-10m"} {
		if n := strings.Count(both, "\n"+p+","); n != 1 {
			t.Errorf("with fixed-10m replayed here too, the merged CSV has %d rows of %s, want 1:\n%s", n, p, both)
		}
	}
}
