package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimEvalSaysHowToPassADatasetDay: the Azure 2019 dataset as
// downloaded is one folder of 14 days, and a folder under --traces is one
// held-out trace. Put there, it stopped the run with "pass one day's
// invocations file", which did not say how (sim-eval has no such argument)
// nor that the folder must leave --traces, where it fails again. The error
// names the --trace FILE form with the folder's first day, and, for a
// folder under --traces, says to move it out.
func TestSimEvalSaysHowToPassADatasetDay(t *testing.T) {
	src := filepath.Join("..", "..", "sim", "trace", "testdata", "dataset", "twodays")
	root := t.TempDir()
	days := filepath.Join(root, "azurefunctions-dataset2019")
	if err := os.Mkdir(days, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(days, e.Name()), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	day1 := "--trace " + filepath.Join(days, "invocations_per_function_md.anon.d01.csv")
	tests := []struct {
		name       string
		args       []string
		want       []string
		unexpected string
	}{
		{"under --traces", []string{"--traces", root},
			[]string{"holds 2 days", day1, "move " + days + " out of --traces"}, ""},
		{"as --trace", []string{"--traces", t.TempDir(), "--trace", days},
			[]string{"holds 2 days", day1}, "out of --traces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := simEvalCmd(append(tc.args, "--progress", "never"), &out, &errb); code != 1 {
				t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr %q does not say %q", errb.String(), w)
				}
			}
			if tc.unexpected != "" && strings.Contains(errb.String(), tc.unexpected) {
				t.Errorf("stderr %q says %q", errb.String(), tc.unexpected)
			}
		})
	}
}
