package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview52CFunctionsFileLabelAfterCommaSpaceIsAppliedOrRefused: a
// functions file (or --function value) written with a space after the comma
// between labels, "api:com.openfaas.scale.min=2, com.openfaas.scale.max=3",
// must either apply com.openfaas.scale.max=3 or be refused naming the line.
// The key is kept with its leading space, which no part of the controller
// reads and which the unknown-label warning does not see either (it matches
// the prefix at the key's first byte): the function silently scales up to the
// default max of 20 instead of 3.
func TestReview52CFunctionsFileLabelAfterCommaSpaceIsAppliedOrRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(path, []byte("api:com.openfaas.scale.min=2, com.openfaas.scale.max=3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var f functionFlags
	if err := f.readFile(path); err != nil {
		return // refused, naming the file and line: fine
	}
	fn := f[0]
	spec, err := scaler.ParseSpec(fn, scaler.DefaultDefaults())
	if err != nil {
		return // the function's decision is an error naming the label: fine
	}
	if spec.Max != 3 {
		t.Errorf("functions file line %q: accepted, labels %q; the function scales with max %d (the default), not 3, "+
			"and the unknown-label warning lists %q", "api:com.openfaas.scale.min=2, com.openfaas.scale.max=3",
			fn.Labels, spec.Max, scaler.UnknownLabels(fn))
	}
}
