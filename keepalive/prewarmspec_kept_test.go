package keepalive

import (
	"maps"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestPreWarmerParsesOnlyChangedLabels: a function's entry keeps the labels
// it was parsed from (scaler.KeptLabels), so a pass parses them again only
// when they change, whether the entry is found at the function's place in
// the last listing or by its name: the very map, or an equal one, is not
// parsed again; other labels are. (The entry's max is marked after the
// first parse: a parse would set it from the labels again.)
//
// Seen failing with the Keep after a parse left out of specOf: every look
// parsed again.
func TestPreWarmerParsesOnlyChangedLabels(t *testing.T) {
	pol, _ := New(Default())
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: &scriptedLister{}, Actuator: &intentSpy{}})
	if err != nil {
		t.Fatal(err)
	}
	labels := maps.Clone(autoLabels)
	labels[scaler.LabelMax] = "7"
	fn := provider.Function{Ref: provider.Ref{Name: "f", Namespace: "openfaas-fn"}, Labels: labels}
	c := w.specOf(0, &fn)
	if c == nil || c.max != 7 {
		t.Fatalf("first parse: entry %+v, want max 7", c)
	}
	const marked = 999
	c.max = marked
	for _, step := range []struct {
		name  string
		place int
		fn    provider.Function
	}{
		{"the same map, at its place", 0, fn},
		{"an equal map, at its place", 0, provider.Function{Ref: fn.Ref, Labels: maps.Clone(labels)}},
		{"the same map, by name", 1, fn},
		{"an equal map, by name", 2, provider.Function{Ref: fn.Ref, Labels: maps.Clone(labels)}},
	} {
		if got := w.specOf(step.place, &step.fn); got != c || got.max != marked {
			t.Errorf("%s: entry %p max %d, want the kept one %p unparsed (max %d)", step.name, got, got.max, c, marked)
		}
	}
	other := maps.Clone(labels)
	other[scaler.LabelMax] = "5"
	fn.Labels = other
	if got := w.specOf(0, &fn); got == nil || got.max != 5 {
		t.Errorf("other labels: entry %+v, want them parsed (max 5)", got)
	}
	if got := w.specOf(0, &fn); got == nil || got.max != 5 {
		t.Errorf("other labels again: entry %+v, want max 5", got)
	}
}
