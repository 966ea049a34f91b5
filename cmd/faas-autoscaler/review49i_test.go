package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/report"
)

const review49iDurHeader = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0," +
	"percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75," +
	"percentile_Average_99,percentile_Average_100\n"

const review49iInv = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,1,2,3\no1,a1,f2,http,4,5,6\n"

func review49iDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReview49iDurationsForOtherFunctions: a durations file none of whose
// rows is a function of the invocations file (another day's, another
// sample's) is read, joined to nothing, and every function silently runs
// --default-exec (1 s) instead of its own execution times: the results are
// another experiment's, and nothing on stderr says so.
//
// Seen failing before the fix: exit 0, stderr does not mention durations.csv.
func TestReview49iDurationsForOtherFunctions(t *testing.T) {
	dir := review49iDir(t, map[string]string{
		"invocations.csv": review49iInv,
		"durations.csv":   review49iDurHeader + "o9,a9,g1,100,6,50,200,50,60,80,100,120,190,200\n",
	})
	var out, errb bytes.Buffer
	code := simCmd([]string{"--trace", dir, "--policies", "fixed-10m", "--progress", "never"}, &out, &errb)
	if !strings.Contains(errb.String(), "durations.csv") {
		t.Errorf("exit %d, stderr does not mention durations.csv, whose rows match none of the 2 functions:\n%s", code, errb.String())
	}
}

// TestReview49iBothLayoutsInOneFolder: a folder holding both invocations.csv
// and inv.csv (two traces copied together) replays invocations.csv alone;
// inv.csv's functions are dropped without a word.
//
// Seen failing before the fix: exit 0, stderr never mentions inv.csv.
func TestReview49iBothLayoutsInOneFolder(t *testing.T) {
	dir := review49iDir(t, map[string]string{
		"invocations.csv": review49iInv,
		"inv.csv":         "HashFunction,HashApp,HashOwner,minute_1,minute_2,minute_3\nz1,a9,o9,7,7,7\n",
	})
	var out, errb bytes.Buffer
	code := simCmd([]string{"--trace", dir, "--policies", "fixed-10m", "--progress", "never"}, &out, &errb)
	if !strings.Contains(errb.String(), "inv.csv") {
		t.Errorf("exit %d, stderr never mentions inv.csv, whose functions were not replayed:\n%s", code, errb.String())
	}
}

// TestReview49iHugeDurationDoesNotWrap: a durations percentile is any
// finite non-negative number; 1e13 ms is 10^22 ns, past time.Duration's
// range, and the engine's time.Duration(seconds*1e9) wraps it to a
// negative execution time: the requests end as they start. A percentile of
// 1e9 ms (11.6 days, in range) never ends in a 3-minute replay either, so
// both must replay alike, or the huge one be refused naming file and line.
//
// Seen failing before the fix: 1e13 ms replays as ColdStarts 1, IdleReplicaSec
// 126.3; 1e9 ms as ColdStarts 6, IdleReplicaSec 0.
func TestReview49iHugeDurationDoesNotWrap(t *testing.T) {
	run := func(pct string) ([]sim.Summary, int, string) {
		row := "o1,a1,f1,1,6" + strings.Repeat(","+pct, 9) + "\n"
		dir := review49iDir(t, map[string]string{
			"invocations.csv": "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,1,2,3\n",
			"durations.csv":   review49iDurHeader + row,
		})
		js := filepath.Join(t.TempDir(), "s.json")
		var out, errb bytes.Buffer
		code := simCmd([]string{"--trace", dir, "--policies", "fixed-10m", "--concurrency", "1", "--progress", "never", "--json", js}, &out, &errb)
		if code != 0 {
			return nil, code, errb.String()
		}
		f, err := os.Open(js)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		d, err := report.ReadJSON(f)
		if err != nil {
			t.Fatal(err)
		}
		return d.Results, 0, errb.String()
	}
	long, code, stderr := run("1e9")
	if code != 0 {
		t.Fatalf("1e9 ms: exit %d: %s", code, stderr)
	}
	huge, code, stderr := run("1e13")
	if code != 0 {
		if !strings.Contains(stderr, "durations.csv:2") {
			t.Errorf("1e13 ms refused, but stderr does not name durations.csv:2: %s", stderr)
		}
		return
	}
	if len(huge) != 1 || len(long) != 1 || huge[0].ColdStarts != long[0].ColdStarts || huge[0].TotalReplicaSec != long[0].TotalReplicaSec {
		t.Errorf("1e13 ms replays as %+v,\n1e9 ms as %+v", huge, long)
	}
}
