package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimEvalOutIsCheckedBeforeTheReplay: sim-eval's --out was created
// only after every cell had replayed (minutes for the matrix), so an --out
// that names a regular file replayed everything, then failed with
// "mkdir …: not a directory", exit 1, naming no flag, and eval.json,
// eval.csv, classes.csv and the charts were lost. sim checks its outputs
// before the replay ("exit 2 naming the flag", docs/sim.md); sim-eval's
// one output flag is refused the same way, before the matrix starts.
// Seen failing before the fix: exit 1, 1575 bytes on stdout (the tables of
// a finished replay), stderr "sim-eval: mkdir …/results: not a directory".
func TestSimEvalOutIsCheckedBeforeTheReplay(t *testing.T) {
	file := filepath.Join(t.TempDir(), "results")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := simEvalCmd([]string{"--traces", t.TempDir(), "--tag", "tune", "--only", "synth-timers", "--out", file, "--progress", "never"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--out "+file) || out.Len() > 0 || strings.Contains(errb.String(), "cells ×") {
		t.Errorf("sim-eval --out FILE: exit %d, want 2 naming --out before replaying; stdout %d bytes; stderr %q", code, out.Len(), errb.String())
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Errorf("--out FILE changed the file: %q", b)
	}
}
