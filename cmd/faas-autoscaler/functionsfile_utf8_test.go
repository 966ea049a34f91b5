package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFunctionsFileRefusesInvalidUTF8: --functions-file takes a
// function name whose bytes are not UTF-8 (a file saved as Latin-1:
// "caf\xe9") without a word. `run --provider memory --functions-file` then
// starts, says "functions deployed", and panics a few seconds later in the
// simulated gateway (client_golang: `label value "caf\xe9.openfaas-fn" is
// not valid UTF-8`, gatewaysim.(*Gateway).pollServiceCount), taking the
// whole process down; with --prometheus-url instead, the controller's own
// /metrics page streams the name verbatim and Prometheus refuses the page
// as a whole (internal/exposition/utf8_label_test.go). The file is the
// operator's input and is checked at start otherwise (file:line for a bad
// entry, exit 2): a name that cannot be a label value belongs there. Found by
// a review; provider.ParseRef now refuses such a name wherever it comes from.
//
// Seen failing before the fix: the file was accepted.
func TestFunctionsFileRefusesInvalidUTF8(t *testing.T) {
	file := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(file, []byte("fn-a\ncaf\xe9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := runConfig{FunctionsFile: file}
	if err := c.loadFunctions(); err == nil {
		t.Errorf("--functions-file with a name that is not valid UTF-8 (line 2, %q) was accepted; "+
			"the process started on it panics in the simulated gateway: want a start-up error naming %s:2", "caf\xe9", file)
	}
}
