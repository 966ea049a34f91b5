package trace

import (
	"os"
	"path/filepath"
	"testing"
)

// writeTraceFile writes a fixture file of a trace folder.
func writeTraceFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
