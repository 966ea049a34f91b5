package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFunctionFlagRefusesNamesNoProviderDeploys: OpenFaaS deploys a function
// only under a DNS-1123 label name (faas-netes and faasd check the service
// name against [a-z0-9]([-a-z0-9]*[a-z0-9])?; the namespace is a Kubernetes
// namespace). `--function 'a b'` was taken: the simulated gateway then served
// a function no real gateway can hold, /function/a%20b included, and a
// --functions-file line "a b" (two names on a line) became one function.
//
// Seen failing before the fix: every bad value below was accepted.
func TestFunctionFlagRefusesNamesNoProviderDeploys(t *testing.T) {
	for _, v := range []string{"a b", "a\tb", "A", "under_score", "-a", "a-", "a/b", "a.Team", "a.open faas", "a.b_c", "a%20b"} {
		var f functionFlags
		err := f.Set(v)
		if err == nil {
			t.Errorf("--function %q accepted (%v); want an error naming the name", v, f[0].Ref)
			continue
		}
		if !strings.Contains(err.Error(), "DNS") {
			t.Errorf("--function %q: error %q does not say what a name must be", v, err)
		}
	}
	for _, v := range []string{"a", "figlet.openfaas-fn", "fn-000001", "a1.team-2:com.openfaas.scale.max=3", "0abc9"} {
		var f functionFlags
		if err := f.Set(v); err != nil {
			t.Errorf("--function %q: %v; want it taken", v, err)
		}
	}
	// A file's line names its line number.
	path := filepath.Join(t.TempDir(), "fns")
	if err := os.WriteFile(path, []byte("ok-1\nnot ok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var f functionFlags
	if err := f.readFile(path); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("--functions-file with the line %q: error %v; want one naming line 2", "not ok", err)
	}
}
