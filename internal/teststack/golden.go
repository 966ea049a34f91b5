package teststack

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Golden compares got with the committed file at path, the golden-file check
// of the generators (rules, dashboards). With update set it rewrites the file
// instead. regen is the command that regenerates it, named in failures so a
// reviewer knows how to refresh a stale file.
func Golden(t testing.TB, path string, got []byte, update bool, regen string) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s)", err, regen)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (run %s); diff -want +got:\n%s", path, regen, cmp.Diff(string(want), string(got)))
	}
}
