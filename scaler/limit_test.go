package scaler

import "testing"

// TestLimitAndClampWordsTheBoundThatBinds: each bound a decision can meet
// is named in its reason with the figures that set it, and a quiet
// decision gets the same count and code without words.
func TestLimitAndClampWordsTheBoundThatBinds(t *testing.T) {
	spec := Spec{Min: 2, Max: 30, ScaleUpRate: 2, ScaleUpPods: 4, ScaleDownRate: 0.5}
	tests := []struct {
		name       string
		spec       Spec
		cur, want  uint64
		schedMin   uint64
		wantN      uint64
		wantCode   ReasonCode
		wantReason string
	}{
		{"down, rate limit", spec, 10, 3, 0, 5, CodeRateLimited, "H wants 3; scale-down limit 0.5×10 → 5"},
		{"down, min", spec, 3, 1, 0, 2, CodeAtMin, "H wants 1; min 2 → 2"},
		{"down, scheduled min", spec, 10, 6, 8, 8, CodeScheduledMin, "H wants 6; scheduled min 8 (why) → 8"},
		{"down, above max: max wins over the rate limit", Spec{Min: 1, Max: 4, ScaleDownRate: 0.9}, 10, 2, 0, 4, CodeAtMax, "H wants 2; max 4 → 4"},
		{"up, rate limit", spec, 3, 20, 0, 7, CodeRateLimited, "H wants 20; scale-up limit max(2×3, 3+4) → 7"},
		{"up, max", spec, 20, 50, 0, 30, CodeAtMax, "H wants 50; max 30 → 30"},
		{"within bounds", spec, 10, 12, 0, 12, CodeScaleUp, "kept"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := Observation{Replicas: tc.cur, ScheduledMin: tc.schedMin, ScheduledMinReason: "why"}
			in := Decision{Replicas: tc.want, Code: CodeScaleUp, Reason: "kept"}
			d := in
			limitAndClamp(&tc.spec, &obs, &d, "H")
			if d.Replicas != tc.wantN || d.Code != tc.wantCode || d.Reason != tc.wantReason {
				t.Errorf("%d, %s, %q; want %d, %s, %q", d.Replicas, d.Code, d.Reason, tc.wantN, tc.wantCode, tc.wantReason)
			}
			obs.quiet = true
			q := in
			limitAndClamp(&tc.spec, &obs, &q, "")
			wantQuiet := tc.wantReason
			if d.Code != CodeScaleUp || d.Reason != "kept" {
				wantQuiet = ""
			}
			if q.Replicas != tc.wantN || q.Code != tc.wantCode || q.Reason != wantQuiet {
				t.Errorf("quiet: %d, %s, %q; want %d, %s, %q", q.Replicas, q.Code, q.Reason, tc.wantN, tc.wantCode, wantQuiet)
			}
		})
	}
}
