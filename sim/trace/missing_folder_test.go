package trace

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadMissingFolder: a trace path that does not exist (a typo in
// --trace) says so. It was read as an empty folder and reported as one
// holding no invocations file ("…: no invocations file (tried
// [invocations.csv inv.csv], and no *.csv with header …)"), which sent the
// user looking for a file name to fix in a folder that is not there.
func TestLoadMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "azure-trce")
	_, err := Load(dir)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Load(%s) = %v, want an error naming it that wraps fs.ErrNotExist", dir, err)
	}
}
