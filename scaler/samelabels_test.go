package scaler

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestSameLabels: the identity shortcut must not change the answer of a
// comparison by content.
func TestSameLabels(t *testing.T) {
	m := map[string]string{LabelMax: "5", LabelZero: "true"}
	tests := []struct {
		name string
		a, b map[string]string
		want bool
	}{
		{"both nil", nil, nil, true},
		{"nil and empty", nil, map[string]string{}, true},
		{"the same map", m, m, true},
		{"equal maps", m, map[string]string{LabelZero: "true", LabelMax: "5"}, true},
		{"a value differs", m, map[string]string{LabelZero: "true", LabelMax: "6"}, false},
		{"a key differs", m, map[string]string{LabelZero: "true", LabelMin: "5"}, false},
		{"one more entry", m, map[string]string{LabelZero: "true", LabelMax: "5", LabelMin: "1"}, false},
		{"empty and not", nil, m, false},
	}
	for _, tc := range tests {
		if got := SameLabels(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: SameLabels = %v, want %v", tc.name, got, tc.want)
		}
		if got := SameLabels(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): SameLabels = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The kept parse is found by its labels map's kept address (labelsAt) only
// while that address is the kept map's: a parse of other labels keeps the
// new map's, else a map allocated later where the old one was would pass
// for the old labels. And a map at another address is compared by content.
func TestSpecParseKeepsItsLabelsAddress(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 1, nil))
	l := e.loop
	fs := &fnState{ref: refA}
	fn := provider.Function{Ref: refA, Labels: map[string]string{LabelMax: "40"}}
	check := func(step string, wantMax uint64, wantErr bool) *Spec {
		t.Helper()
		spec, err := l.specOf(fs, &fn)
		if (err != nil) != wantErr || !errors.Is(fs.parsed.Err(), err) {
			t.Fatalf("%s: error %v (kept %v), want one: %v", step, err, fs.parsed.Err(), wantErr)
		}
		if !wantErr && spec.Max != wantMax {
			t.Errorf("%s: max %d, want %d", step, spec.Max, wantMax)
		}
		if fs.parsed.labelsAt != mapAddress(fs.parsed.labels) {
			t.Errorf("%s: kept address %#x is not the kept labels' (%#x)", step, fs.parsed.labelsAt, mapAddress(fs.parsed.labels))
		}
		return spec
	}
	first := check("first parse", 40, false)
	if again := check("the same map", 40, false); again != first {
		t.Errorf("the same map parsed again")
	}
	fn.Labels = maps.Clone(fn.Labels)
	if again := check("another map, the same labels", 40, false); again != first {
		t.Errorf("equal labels in another map parsed again")
	}
	fn.Labels = map[string]string{LabelMax: "3"}
	check("another map, other labels", 3, false)
	check("that map again", 3, false)
	fn.Labels = map[string]string{LabelMax: "many"}
	check("invalid labels", 0, true)
	check("invalid labels again", 0, true)
	fn.Labels = nil
	check("no labels", DefaultDefaults().Max, false)
	fn.Labels = map[string]string{}
	check("empty labels", DefaultDefaults().Max, false)
}

// mapAddress reads a map value's word as the map's address: what reflect
// says it is, the same for the same map (held twice) and another for
// another map, even an equal one.
func TestMapAddressIsReflects(t *testing.T) {
	m := map[string]string{LabelMax: "5"}
	held := m
	all := []map[string]string{nil, {}, m, maps.Clone(m), make(map[string]string, 100)}
	for i, a := range all {
		if got, want := mapAddress(a), reflect.ValueOf(a).Pointer(); got != want {
			t.Errorf("map %d: address %#x, reflect says %#x", i, got, want)
		}
		for j, b := range all[:i] {
			if mapAddress(a) == mapAddress(b) {
				t.Errorf("maps %d and %d: one address %#x", j, i, mapAddress(a))
			}
		}
	}
	if mapAddress(held) != mapAddress(m) {
		t.Errorf("the same map held twice: addresses %#x and %#x", mapAddress(held), mapAddress(m))
	}
}
