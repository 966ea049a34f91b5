package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGatewayFunctionsFile: --functions-file reads one --function value a
// line, so the footprint harness can deploy more functions than a command
// line holds; a bad line names its line number.
func TestGatewayFunctionsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fns")
	if err := os.WriteFile(path, []byte("a\n\nb.team:com.openfaas.scale.min=0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var fns functionFlags
	if err := fns.readFile(path); err != nil {
		t.Fatal(err)
	}
	if len(fns) != 2 || fns[0].Ref.String() != "a."+demoNamespace || fns[1].Ref.String() != "b.team" || fns[1].Replicas != 0 {
		t.Errorf("read %+v, want a.%s and b.team at zero", fns, demoNamespace)
	}
	if err := os.WriteFile(path, []byte("a\nb:nolabel\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fns = nil // a fresh list: "a" again would be a function given twice
	if err := fns.readFile(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("bad second line: error %v, want one naming line 2", err)
	}
}
