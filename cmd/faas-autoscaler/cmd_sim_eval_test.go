package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimFromMinutePastTheEnd(t *testing.T) {
	var out, errb bytes.Buffer
	if code := simCmd([]string{"--trace", simTestTrace, "--from-minute", "500", "--progress", "never"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
	}
	// After the trace's notes (its durations file lacks a function's row).
	if want := "sim: --from-minute: from-minute = 500, but trace ../../sim/testdata/small has minutes 0..179"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
}

// TestSimWritesASyntheticTrace: --write-trace puts the generated trace in a
// folder that sim then reads as any Azure 2019 trace, with the same result.
func TestSimWritesASyntheticTrace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "timers")
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		args = append(args, "--policies", "fixed-10m,hybrid-histogram", "--progress", "never", "--minutes", "240")
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
		}
		_, tbl, _ := strings.Cut(out.String(), "\n\n")
		return tbl
	}
	a := run("--trace", "synth:timers@5", "--write-trace", dir)
	b := run("--trace", dir)
	if a != b {
		t.Errorf("the written trace replays differently:\n%s\nvs\n%s", a, b)
	}
}

func TestSimEvalBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad tag", []string{"--tag", "some"}, `sim-eval: --tag "some": want tune, report or all`},
		{"bad parallel", []string{"--parallel", "-1"}, "sim-eval: --parallel = -1, must not be negative"},
		{"bad max-functions", []string{"--max-functions", "-1"}, "sim-eval: --max-functions = -1, must not be negative (0: all functions)"},
		{"bad max-minutes", []string{"--max-minutes", "-1"}, "sim-eval: --max-minutes = -1, must not be negative (0: the whole trace)"},
		{"missing knative", []string{"--knative", "testdata/no-such-binary"}, "sim-eval: --knative: stat testdata/no-such-binary"},
		{"bad cold start", []string{"--cold-start", "-1s"}, "sim-eval: --cold-start -1s: must not be negative"},
		{"extra argument", []string{"now"}, `sim-eval: unexpected argument "now"`},
		{"bad scrape", []string{"--scrape", "0s"}, "sim-eval: --scrape 0s: want a duration from 100ms to 5m0s"},
		{"empty trace", []string{"--trace", ""}, `invalid value "" for flag -trace: empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := simEvalCmd(tc.args, &out, &errb); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.HasPrefix(errb.String(), tc.want) {
				t.Errorf("stderr %q, want prefix %q", errb.String(), tc.want)
			}
		})
	}
	var out, errb bytes.Buffer
	if code := simEvalCmd([]string{"--traces", "testdata/none", "--only", "nothing matches this"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), `no cell left (--traces testdata/none, --tag all, --only "nothing matches this")`) {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestSimEvalRunsHeldOutTraces: the folders under --traces that are not the
// matrix's samples, and --trace's, are report cells of their own; one that
// is not a trace stops the run before any cell, naming it.
func TestSimEvalRunsHeldOutTraces(t *testing.T) {
	root := filepath.Join("..", "..", "sim", "eval", "testdata", "heldout")
	day := filepath.Join("..", "..", "sim", "trace", "testdata", "dataset", "oneday", "invocations_per_function_md.anon.d03.csv")
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"--traces", root, "--trace", day, "--only", "s3 c10 uniform", "--tag", "report", "--out", dir, "--progress", "never"}
	if code := simEvalCmd(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	for _, want := range []string{"day             s3 c10 uniform        report", "day             half1 s3 c10 uniform  report",
		"mine            s3 c10 uniform        report", "oneday-d03      s3 c10 uniform        report", "report cells: goal met on"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "notes") {
		t.Errorf("a folder without a CSV file ran as a trace:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "pareto-oneday-d03.svg")); err != nil {
		t.Error(err)
	}
	out.Reset()
	errb.Reset()
	bad := filepath.Join(root, "notes")
	if code := simEvalCmd([]string{"--traces", root, "--trace", bad, "--progress", "never"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "sim-eval: held-out trace "+bad+": ") || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// TestSimEvalWritesEveryOutput runs the matrix's two cheapest cells (the
// 2021 sample, 21 minutes) through the shipped policies.
func TestSimEvalWritesEveryOutput(t *testing.T) {
	traces := filepath.Join("..", "..", "..", "shared", "traces")
	if _, err := os.Stat(filepath.Join(traces, "azure2021-invitro-200inv")); err != nil {
		t.Skipf("no shared traces: %v", err)
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"--traces", traces, "--only", "azure2021-200inv / s3 c1 uniform", "--out", dir, "--progress", "never"}
	if code := simEvalCmd(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	for _, want := range []string{"Zhang et al.", "azure2021-200inv  s3 c1 uniform  report", "report cells: goal met on", "per class"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, f := range []string{"eval.json", "eval.csv", "classes.csv", "pareto-azure2021-200inv.svg", "classes-azure2021-200inv.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".svg") {
			if err := xml.Unmarshal(b, new(struct{})); err != nil {
				t.Errorf("%s is not well-formed XML: %v", f, err)
			}
		}
	}
}

// TestSimCitesTheTraceItReplays: each trace is cited as what it is, in the
// table, the JSON and the chart: a 2021 trace to Zhang et al., not to the
// 2019 trace's authors; a day of the 2019 dataset passed under its own file
// name as Azure/AzurePublicDataset's, not through vhive-serverless/invitro
// (which the dataset day was cited as before c0ce965).
func TestSimCitesTheTraceItReplays(t *testing.T) {
	for _, tc := range []struct {
		trace     string
		want, not []string
	}{
		{"../../sim/trace/testdata/log2021", []string{"Zhang et al."}, []string{"Shahrad"}},
		{filepath.Join("..", "..", "sim", "trace", "testdata", "dataset", "oneday", "invocations_per_function_md.anon.d03.csv"),
			[]string{"Shahrad et al.", "Azure/AzurePublicDataset"}, []string{"invitro"}},
	} {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		args := []string{"--trace", tc.trace, "--policies", "fixed-10m,fixed-20m", "--progress", "never",
			"--json", filepath.Join(dir, "s.json"), "--svg", filepath.Join(dir, "p.svg")}
		if code := simCmd(args, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d; stderr:\n%s", tc.trace, code, errb.String())
		}
		js, _ := os.ReadFile(filepath.Join(dir, "s.json"))
		svg, _ := os.ReadFile(filepath.Join(dir, "p.svg"))
		for name, b := range map[string]string{"table": out.String(), "json": string(js), "svg": string(svg)} {
			for _, w := range tc.want {
				if !strings.Contains(b, w) {
					t.Errorf("%s: %s lacks %q:\n%.400s", tc.trace, name, w, b)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b, n) {
					t.Errorf("%s: %s names %q:\n%.400s", tc.trace, name, n, b)
				}
			}
		}
	}
}
