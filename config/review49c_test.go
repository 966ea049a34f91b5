package config

import (
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestReview49cDefaultTargetThatUnderflowsIsRefused: defaults.target and
// defaults.target_proportion are each in range, but their product (the
// per-replica target) underflows to 0. The label parser refuses exactly
// that pair (scaler.Spec.check, "too small to size replicas by"), and it
// checks the defaults it parses over too: so a file that passes Load makes
// every function without its own target label invalid, unscaled and never
// idled, from the start or from the reload that applied it, with no error
// at load. The file must be refused naming defaults.target at its position.
func TestReview49cDefaultTargetThatUnderflowsIsRefused(t *testing.T) {
	path := writeFile(t, "defaults:\n  target: 5e-324\n  target_proportion: 0.4\n")
	c, err := Load(path)
	if err == nil {
		// What the accepted file does: a function without labels.
		fn := provider.Function{Ref: provider.Ref{Name: "api", Namespace: "openfaas-fn"}}
		_, specErr := scaler.ParseSpec(fn, c.Defaults.Scaler())
		t.Fatalf("defaults.target 5e-324 × target_proportion 0.4 = %g: Load = <nil>, want an error naming defaults.target; "+
			"with it every function without a target label fails its parse: %v", c.Defaults.Target*c.Defaults.TargetProportion, specErr)
	}
	if !strings.Contains(err.Error(), path+":2:11: defaults.target: ") {
		t.Errorf("Load = %v; want the error at %s:2:11 naming defaults.target", err, path)
	}
	// The scaler's own check of its defaults agrees (Reload validates them
	// again through Loop.SetTuning and Idler.SetTuning).
	d := Default()
	d.Defaults.Target, d.Defaults.TargetProportion = 5e-324, 0.4
	if err := d.Defaults.Scaler().Validate(); err == nil {
		t.Errorf("scaler.Defaults.Validate accepts target 5e-324 × proportion 0.4 (a per-replica target of 0)")
	}
}
