package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// review51CDir writes files into a new folder.
func review51CDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReview51C2021TraceBesideA2019OneIsNotDropped: a folder holding a 2019
// trace (invocations.csv, or a dataset day's files) and a 2021
// per-invocation file (app,func,end_timestamp,duration) holds two traces.
// Load takes the 2019 one and never looks at the other (sim/trace/load.go
// LoadFS: the invocations file or dataset day wins before
// loadInvocationLog is tried), so the 2021 trace's functions are dropped
// without a word, exit 0. The loader refuses the same situation for two
// 2019 traces ("both invocations.csv and a dataset day's files … want one
// trace a folder"; "invocations.csv and inv.csv are the same kind of file
// of two traces"). Expected: refused (exit 1) naming the 2021 file, or at
// least a note on stderr naming it.
func TestReview51C2021TraceBesideA2019OneIsNotDropped(t *testing.T) {
	log2021 := "app,func,end_timestamp,duration\nA,F,10.5,0.25\nA,F,70.0,1.0\n"
	for name, files := range map[string]map[string]string{
		"invocations.csv": {
			"invocations.csv": "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,2\n",
			"azure2021.csv":   log2021,
		},
		"dataset day": {
			"invocations_per_function_md.anon.d01.csv": "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,1,2\n",
			"azure2021.csv": log2021,
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := review51CDir(t, files)
			var out, errb bytes.Buffer
			code := simCmd([]string{"--trace", dir, "--policies", "fixed-10m", "--progress", "never"}, &out, &errb)
			if !strings.Contains(errb.String(), "azure2021.csv") {
				t.Errorf("exit %d; stderr never names azure2021.csv, a second trace in the folder whose functions were not replayed:\n%s", code, errb.String())
			}
		})
	}
}
