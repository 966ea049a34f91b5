package rules

import "testing"

// TestUnbalanced: a custom type's expression with a bracket left open made
// a rule file Prometheus refuses whole while `rules --custom` exited 0
// (found by a review helper); brackets inside strings do not count.
func TestUnbalanced(t *testing.T) {
	for _, tc := range []struct {
		expr string
		bad  bool
	}{
		{`avg by (function_name) (gpu_utilisation)`, false},
		{`avg by (function_name) (gpu{job="a(b]"})`, false},
		{"sum(rate(x{re=~`[a-z]+(`}[1m]))", false},
		{`avg by (function_name) (gpu_utilisation`, true},
		{`sum(rate(x[1m))`, true},
		{`x{job="a}`, true},
		{`x)`, true},
	} {
		if got := unbalanced(tc.expr); (got != "") != tc.bad {
			t.Errorf("unbalanced(%q) = %q, want bad %v", tc.expr, got, tc.bad)
		}
	}
}
