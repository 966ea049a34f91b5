package eval

import (
	"os"
	"path/filepath"
	"testing"
)

// TestHeldOutFolderWithBracketsIsFound: every folder under --traces
// holding a CSV file is a held-out trace (docs/sim.md). heldOutSources looks
// for the CSV with filepath.Glob on the folder's path, so a folder whose
// name holds a glob metacharacter ("azure [d01]", "held-out[2]") is read as
// a pattern, matches nothing, and is skipped without a word: the report
// tally is made on fewer traces. trace.Load itself reads such a folder.
// Found by a review helper.
func TestHeldOutFolderWithBracketsIsFound(t *testing.T) {
	root := t.TempDir()
	csv, err := os.ReadFile(filepath.Join("testdata", "heldout", "mine", "inv.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"plain", "azure [d01]"} {
		dir := filepath.Join(root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "inv.csv"), csv, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := FindHeldOut(root, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hs {
		names = append(names, h.Name)
	}
	if len(hs) != 2 {
		t.Errorf("held-out traces %q, want 2 (plain and azure-d01): the folder \"azure [d01]\" was skipped", names)
	}
	// The same folder passed with --trace loads: it is a trace.
	if hs, err := FindHeldOut("", []string{filepath.Join(root, "azure [d01]")}, 0, 0); err != nil || len(hs) != 1 {
		t.Errorf("--trace \"azure [d01]\": %v, %v", hs, err)
	}
}
