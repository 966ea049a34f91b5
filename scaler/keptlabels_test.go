package scaler

import (
	"maps"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// KeptLabels.Same answers as SameLabels on the labels and on the
// annotations: its shortcut (the very labels map kept, found by its
// address) holds only while the address kept is the kept map's, so every
// Keep renews it; else a map kept earlier (or one allocated later where it
// was) would pass for labels no longer kept.
func TestKeptLabelsSameAsSameLabels(t *testing.T) {
	a := map[string]string{LabelMax: "40"}
	b := map[string]string{LabelMax: "3"}
	ann := map[string]string{LabelZero: "true"}
	var k KeptLabels
	check := func(step string, fn provider.Function, want bool) {
		t.Helper()
		if got := k.Same(&fn); got != want {
			t.Errorf("%s: Same = %v, want %v", step, got, want)
		}
		if sl := SameLabels(k.labels, fn.Labels) && SameLabels(k.annotations, fn.Annotations); sl != want {
			t.Errorf("%s: SameLabels says %v, want %v (test case wrong)", step, sl, want)
		}
	}
	check("nothing kept, no labels", provider.Function{}, true)
	check("nothing kept, empty labels", provider.Function{Labels: map[string]string{}}, true)
	check("nothing kept, labels", provider.Function{Labels: a}, false)

	k.Keep(&provider.Function{Labels: a, Annotations: ann})
	check("the kept maps", provider.Function{Labels: a, Annotations: ann}, true)
	check("copies of the kept maps", provider.Function{Labels: maps.Clone(a), Annotations: maps.Clone(ann)}, true)
	check("the kept labels, other annotations", provider.Function{Labels: a}, false)
	check("the kept annotations, other labels", provider.Function{Labels: b, Annotations: ann}, false)
	check("no labels", provider.Function{Annotations: ann}, false)

	k.Keep(&provider.Function{Labels: b})
	check("the labels kept now", provider.Function{Labels: b}, true)
	check("the labels kept before", provider.Function{Labels: a}, false)

	k.Keep(&provider.Function{})
	check("no labels kept now", provider.Function{}, true)
	check("empty labels", provider.Function{Labels: map[string]string{}}, true)
	check("the labels kept before", provider.Function{Labels: b}, false)
}
