package scaler

import "testing"

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
