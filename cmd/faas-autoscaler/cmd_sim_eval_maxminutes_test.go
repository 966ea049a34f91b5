package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeThreeDays2021 writes a held-out trace of three days (minutes
// 0..4319) in the Azure 2021 per-invocation schema the published 14-day
// trace has: f1 is called at minute 10 of each day, f2 at minute 800 (the
// second half), and f1 once more in the last minute.
func writeThreeDays2021(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("app,func,end_timestamp,duration\n")
	call := func(fn string, minute int) { fmt.Fprintf(&b, "a1,%s,%d.5,0.1\n", fn, minute*60) }
	for d := range 3 {
		call("f1", d*1440+10)
		call("f2", d*1440+800)
	}
	call("f1", 3*1440-1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "AzureFunctionsInvocationTrace2021.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSimEvalBoundsALongHeldOutTrace: a held-out trace longer than a day
// (the published Azure 2021 trace is 14) is replayed on its first day by
// default: its cells are labelled TRACE-day1, its second half is minutes
// 720-1439 (not 720 to the end of the trace) in the table and the CSV, and
// stderr says what was left out. Before --max-minutes the second half
// alone of the 14-day trace was 13.5 days of replay.
func TestSimEvalBoundsALongHeldOutTrace(t *testing.T) {
	src := filepath.Join(t.TempDir(), "azure2021")
	writeThreeDays2021(t, src)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"--traces", t.TempDir(), "--trace", src, "--only", "half2", "--tag", "report", "--out", out, "--progress", "never"}
	if code := simEvalCmd(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if want := "azure2021-day1  half2 s3 c10 uniform  report"; !strings.Contains(stdout.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, stdout.String())
	}
	if want := "held-out trace " + src + " (4320 minutes) is replayed on its first 1440 (--max-minutes), as azure2021-day1"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	csv, err := os.ReadFile(filepath.Join(out, "eval.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "azure2021-day1,half2 s3 c10 uniform,report," + src + ",720,720,"; !strings.Contains(string(csv), want) {
		t.Errorf("eval.csv lacks %q:\n%s", want, csv)
	}

	// --max-minutes 0 replays the whole trace, under its own name.
	stdout.Reset()
	stderr.Reset()
	args = append(args[:len(args)-4], "--out", out, "--max-minutes", "0", "--progress", "never")
	if code := simEvalCmd(args, &stdout, &stderr); code != 0 {
		t.Fatalf("--max-minutes 0: exit %d; stderr:\n%s", code, stderr.String())
	}
	if csv, _ := os.ReadFile(filepath.Join(out, "eval.csv")); !strings.Contains(string(csv), "azure2021,half2 s3 c10 uniform,report,"+src+",720,3600,") {
		t.Errorf("--max-minutes 0: eval.csv does not replay minutes 720-4319:\n%s", csv)
	}
	if strings.Contains(stdout.String(), "day1") || strings.Contains(stderr.String(), "--max-minutes") {
		t.Errorf("--max-minutes 0 still bounds the trace:\n%s\n%s", stdout.String(), stderr.String())
	}
}
