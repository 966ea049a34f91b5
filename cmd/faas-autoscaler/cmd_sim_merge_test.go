package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimSaysWhatTheTraceMerged: a trace whose function is on two rows
// (the dataset has such rows) replays, and sim says once on stderr what the
// loader made of them; before, the loader stopped on the second row and
// the command printed nothing about it.
func TestSimSaysWhatTheTraceMerged(t *testing.T) {
	dir := t.TempDir()
	inv := "HashOwner,HashApp,HashFunction,Trigger,1,2,3\n" +
		"o1,a1,f1,http,1,0,2\n" +
		"o1,a1,f1,http,0,3,0\n" +
		"o2,a2,f2,timer,1,1,1\n"
	if err := os.WriteFile(filepath.Join(dir, "invocations.csv"), []byte(inv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := simCmd([]string{"--trace", dir, "--policies", "fixed-10m", "--progress", "never"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if n := strings.Count(errb.String(), "sim: trace "+dir+": 1 function on two or more rows merged"); n != 1 {
		t.Errorf("stderr says the merge %d times, want once:\n%s", n, errb.String())
	}
}

// TestSimEvalTuneReadsNoHeldOutTrace: --tag tune replays no held-out cell
// (every one is a report cell), so a held-out trace that cannot be read
// does not stop it; before, every held-out trace was read first.
func TestSimEvalTuneReadsNoHeldOutTrace(t *testing.T) {
	root := filepath.Join("..", "..", "sim", "eval", "testdata", "heldout")
	bad := filepath.Join(root, "notes") // a folder without a trace
	var out, errb bytes.Buffer
	args := []string{"--traces", root, "--trace", bad, "--tag", "tune", "--only", "synth-timers", "--out", t.TempDir(), "--progress", "never"}
	if code := simEvalCmd(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), "tune cells: goal met on") || strings.Contains(errb.String(), bad) {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
}
