package eval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFindHeldOutFollowsSymlinks: an operator who links held-out folders
// into --traces (ln -s /data/azure/d01 traces/d01) gets them replayed. A
// link's directory entry is not a directory, so they were skipped without
// a word and the report tally was made on fewer traces. A link to a file
// or a dangling link is still not a trace folder.
func TestFindHeldOutFollowsSymlinks(t *testing.T) {
	root := t.TempDir()
	mine, err := filepath.Abs(filepath.Join("testdata", "heldout", "mine"))
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"linked":   mine,
		"file":     filepath.Join(mine, "inv.csv"),
		"dangling": filepath.Join(root, "no-such-folder"),
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	got, err := FindHeldOut(root, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []HeldOut{{Name: "linked", Source: filepath.Join(root, "linked"), Minutes: 3, Functions: 1}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Error(d)
	}
}
