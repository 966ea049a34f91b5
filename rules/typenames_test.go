package rules

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestCustomTypeNamesMatchTheController: a custom scaling type is the value
// of com.openfaas.scale.type, which the controller accepts as
// [a-zA-Z_][a-zA-Z0-9_]* except its step mode. Found by a review: the
// generator refused latencyP99 (so that type's rule could not be
// generated) and accepted step, whose record joins the target gauge every
// step function exports (scaling_type="step"), firing the load alerts for
// step functions, which step up on any firing alert.
func TestCustomTypeNamesMatchTheController(t *testing.T) {
	if typeStep != scaler.TypeStep {
		t.Fatalf("rules' step type %q, the controller's %q", typeStep, scaler.TypeStep)
	}
	expr := "sum by (function_name) (rate(gateway_functions_seconds_sum[1m]))"
	for _, name := range []string{"latencyP99", "_private", "queue_depth2", "Kafka"} {
		fn := provider.Function{Ref: provider.Ref{Name: "f", Namespace: "ns"}, Labels: map[string]string{scaler.LabelType: name}}
		if _, err := scaler.ParseSpec(fn, scaler.DefaultDefaults()); err != nil {
			t.Fatalf("the controller refuses type %q: %v (the case is not this test's)", name, err)
		}
		o := Defaults()
		o.Custom = []CustomType{{Name: name, Expr: expr}}
		if _, err := Render(o); err != nil {
			t.Errorf("custom type %q, which the controller accepts, refused: %v", name, err)
		}
	}
	// A built-in in another case is refused by the controller (it would read
	// a series no rule writes): a rule under that name would never be read.
	for _, name := range []string{scaler.TypeStep, "9lives", "p-99", "a.b", "", "RPS", "Step", "Capacity"} {
		o := Defaults()
		o.Custom = []CustomType{{Name: name, Expr: expr}}
		if _, err := Render(o); err == nil {
			t.Errorf("custom type %q accepted", name)
		}
	}
}

// TestDefaultsValidForAnyScrapeInterval: `rules --scrape-interval 8s` (7s,
// 9s, 11s…) refused its own defaults: the CPU window's minute is not a
// multiple of those intervals, which Validate asks of every window.
func TestDefaultsValidForAnyScrapeInterval(t *testing.T) {
	for s := time.Second; s <= 30*time.Second; s += time.Second {
		o := ForScrapeInterval(s)
		if _, err := Render(o); err != nil {
			t.Errorf("ForScrapeInterval(%s): the defaults do not render: %v", s, err)
		}
		if o.CPUWindow < time.Minute || o.CPUWindow >= time.Minute+s && o.CPUWindow > 4*s {
			t.Errorf("ForScrapeInterval(%s): cpu window %s, want the least multiple of the interval from max(1m, 4 × interval)", s, o.CPUWindow)
		}
	}
}
