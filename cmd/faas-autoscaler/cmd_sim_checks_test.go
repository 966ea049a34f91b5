package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// simReviewArgs is a small, quick replay: the bad flag under test is added to it.
var simReviewArgs = []string{"sim", "--trace", "synth:rare", "--minutes", "5", "--policies", "fixed-10m", "--progress", "never"}

// TestSimOutputPathCheckedBeforeReplay: an output file (--json, --csv,
// --functions-csv, --svg, --timeline-svg) that cannot be written was found
// only after the whole replay, which for a day of the Azure dataset takes
// minutes to hours: the table was printed, then "open …: no such file or
// directory" without naming the flag, exit 1, and the results were lost. A
// path whose folder does not exist, that is a folder, or that another
// output flag also names (one file would overwrite the other) is a bad
// flag: exit 2 naming it, before anything is replayed.
func TestSimOutputPathCheckedBeforeReplay(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder", "out")
	for _, tc := range []struct {
		flag string
		path string
		more []string
	}{
		{"--json", missing + ".json", nil},
		{"--csv", missing + ".csv", nil},
		{"--functions-csv", missing + ".csv", nil},
		{"--svg", missing + ".svg", nil},
		{"--timeline-svg", missing + ".svg", []string{"--timeline-function", "0"}},
		{"--json", dir, nil}, // a folder, not a file
		{"--json", filepath.Join(dir, "same.out"), []string{"--csv", filepath.Join(dir, "same.out")}}, // one would overwrite the other
	} {
		t.Run(strings.TrimPrefix(tc.flag, "--")+"_"+filepath.Base(tc.path), func(t *testing.T) {
			args := append(append(append([]string{}, simReviewArgs...), tc.flag, tc.path), tc.more...)
			code, stderr := runBinary(t, 30*time.Second, args...)
			if code != 2 || !strings.Contains(stderr, tc.flag+" ") || strings.Contains(stderr, "replaying") {
				t.Errorf("sim %s %s: exit %d, want 2 naming %s before replaying; stderr %q", tc.flag, tc.path, code, tc.flag, stderr)
			}
		})
	}
	// A file in an existing folder is still written, and one that exists
	// is overwritten.
	out := filepath.Join(dir, "day.json")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "day.csv")
	code, stderr := runBinary(t, 30*time.Second, append(append([]string{}, simReviewArgs...), "--json", out, "--csv", csv)...)
	if code != 0 {
		t.Fatalf("sim --json %s --csv %s: exit %d; stderr %q", out, csv, code, stderr)
	}
	for _, p := range []string{out, csv} {
		if b, err := os.ReadFile(p); err != nil || len(b) < 10 {
			t.Errorf("%s not written: %v (%d bytes)", p, err, len(b))
		}
	}
}

// TestSimBadNumbersNameTheFlag: docs/sim.md promises "Bad flags exit 2
// naming the flag"; the numeric flags checked by sim.Config were refused
// with the config's field names ("concurrency = 0, must be at least 1",
// "from-minute = 0, minutes = -1 and workers = 0, must not be negative",
// "cold start = -1s + 0s per GB …"), which name no flag and, for
// --minutes/--workers/--from-minute, not even which of the three is wrong.
func TestSimBadNumbersNameTheFlag(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	for _, tc := range []struct{ flag, value string }{
		{"--concurrency", "0"},
		{"--concurrency", "-2"},
		{"--minutes", "-1"},
		{"--from-minute", "-3"},
		{"--workers", "-1"},
		{"--cold-start", "-1s"},
		{"--cold-start-per-gb", "-1s"},
		{"--default-exec", "0s"},
	} {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			code, stderr := runBinary(t, 30*time.Second, append(append([]string{}, simReviewArgs...), tc.flag, tc.value)...)
			if code != 2 || !strings.Contains(stderr, tc.flag+" "+tc.value) {
				t.Errorf("sim %s %s: exit %d, want 2 naming %q; stderr %q", tc.flag, tc.value, code, tc.flag+" "+tc.value, stderr)
			}
		})
	}
}

// TestSimMissingInputNamesTheFlag: a --trace or --include path that does
// not exist is a bad flag (as `sim --config /nonexistent`, exit 2); it was
// "sim: stat /nonexistent: no such file or directory" (exit 1), naming no
// flag. A trace that exists but does not parse still exits 1.
func TestSimMissingInputNamesTheFlag(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	missing := filepath.Join(t.TempDir(), "nothing-here")
	for _, tc := range []struct {
		flag string
		args []string
	}{
		{"--trace", []string{"sim", "--trace", missing, "--progress", "never"}},
		{"--include", append(append([]string{}, simReviewArgs...), "--include", missing)},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			code, stderr := runBinary(t, 30*time.Second, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.flag+" "+missing) {
				t.Errorf("sim %s %s: exit %d, want 2 naming %s and the path; stderr %q", tc.flag, missing, code, tc.flag, stderr)
			}
		})
	}
	notTrace := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(notTrace, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stderr := runBinary(t, 30*time.Second, "sim", "--trace", notTrace, "--progress", "never"); code != 1 {
		t.Errorf("sim --trace %s (not a trace): exit %d, want 1; stderr %q", notTrace, code, stderr)
	}
}

// TestSimEvalBadDurationsNameTheFlag: sim-eval's --cold-start and
// --default-exec went through the same sim.Config check, refused as "cold
// start = -1s + 0s per GB, must not be negative" and "default execution
// time = 0s, must be positive", naming no flag.
func TestSimEvalBadDurationsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ flag, value string }{
		{"--cold-start", "-1s"},
		{"--default-exec", "0s"},
	} {
		code, stderr := runBinary(t, 30*time.Second, "sim-eval", "--traces", dir, "--only", "no-such-cell", "--progress", "never", tc.flag, tc.value)
		if code != 2 || !strings.Contains(stderr, tc.flag+" "+tc.value) {
			t.Errorf("sim-eval %s %s: exit %d, want 2 naming %q; stderr %q", tc.flag, tc.value, code, tc.flag+" "+tc.value, stderr)
		}
	}
}

// TestSimWindowPastTheEndIsSaid: --minutes N that runs past the trace's
// end was cut to the trace silently: `--from-minute 1435 --minutes 100` of
// a 1,440-minute trace replayed 5 minutes, the printed header said nothing
// of a window, and the JSON's config recorded "minutes": 100 as if 100
// had been replayed. The replayed window is now in the header and the
// JSON (replayed_minutes), and a cut one is said on stderr.
func TestSimWindowPastTheEndIsSaid(t *testing.T) {
	t.Setenv("SIM_TRACE", "")
	js := filepath.Join(t.TempDir(), "w.json")
	var out, errb strings.Builder
	code := simCmd([]string{"--trace", "synth:rare", "--from-minute", "1435", "--minutes", "100", "--policies", "fixed-10m", "--progress", "never", "--json", js}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d; stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), "minutes 1435..1439 of 1440") {
		t.Errorf("stdout does not say the replayed window (minutes 1435..1439 of 1440):\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "--minutes 100") || !strings.Contains(errb.String(), "past the trace's end") {
		t.Errorf("stderr does not say --minutes 100 was cut at the trace's end: %q", errb.String())
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"replayed_minutes": 5`) {
		t.Errorf("JSON config does not record the 5 replayed minutes:\n%.600s", b)
	}
	// A whole-trace replay keeps its header as it was.
	out.Reset()
	errb.Reset()
	if code := simCmd([]string{"--trace", "synth:rare", "--policies", "fixed-10m", "--progress", "never"}, &out, &errb); code != 0 || strings.Contains(out.String(), "minutes 0..") || strings.Contains(errb.String(), "past the trace's end") {
		t.Errorf("whole trace: exit %d, stdout %q, stderr %q: want no window said", code, out.String(), errb.String())
	}
}
