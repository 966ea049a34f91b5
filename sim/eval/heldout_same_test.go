package eval

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFindHeldOutListsAFolderOnce: a folder under the root also passed as
// an extra trace (sim-eval --traces /data/heldout --trace /data/heldout/x,
// or x/) is one trace, replayed once; it stopped the run with "both named
// x: rename one", which no renaming fixes.
func TestFindHeldOutListsAFolderOnce(t *testing.T) {
	root := filepath.Join("testdata", "heldout")
	want, err := FindHeldOut(root, nil, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FindHeldOut(root, []string{filepath.Join(root, "mine") + string(filepath.Separator)}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(HeldOut{})); d != "" {
		t.Error(d)
	}
}
