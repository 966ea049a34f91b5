package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimEvalSaysWhatAHeldOutTraceLoadedOnto: a held-out trace whose
// durations file joins none of its functions (another day's file) replays
// every function on the default execution time. `sim` said so on stderr;
// sim-eval printed only what the load merged, so a held-out matrix could
// be judged on default durations without a word.
//
// Seen failing before sim-eval printed the trace's notes: stderr held no
// "durations.csv: none of its 1 rows".
func TestSimEvalSaysWhatAHeldOutTraceLoadedOnto(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "otherday")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"invocations.csv": "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no1,a1,f1,http,1,0,2\n",
		"durations.csv": "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1," +
			"percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n" +
			"o9,a9,f9,100,3,50,150,50,50,80,100,120,150,150\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	args := []string{"--traces", root, "--tag", "report", "--only", "otherday / s3 c10 uniform", "--out", t.TempDir(), "--progress", "never"}
	if code := simEvalCmd(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, errb.String())
	}
	want := "sim-eval: " + filepath.Join(dir, "durations.csv") + ": none of its 1 rows"
	if n := strings.Count(errb.String(), want); n != 1 {
		t.Errorf("stderr says %q %d times, want once:\n%s", want, n, errb.String())
	}
}
