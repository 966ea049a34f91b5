package scaler

import (
	"math"
	"testing"
	"time"
)

// TestAnUnlimitedScaleUpLimitDoesNotWrap: defaults.scale_up_pods accepts any
// whole number, and an operator meaning "no limit" may set the largest, or a
// rate of 1e30. cur + pods wrapped in uint64 to a small count, so the limit
// max(cur × rate, cur + pods) was the rate's alone: with a rate of 1 a
// function wanting 9 replicas stayed at 2 for good. Seen failing before the
// fix (found by a review): "2 replicas (rate_limited ...), want 9".
func TestAnUnlimitedScaleUpLimitDoesNotWrap(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		pods uint64
	}{{1, math.MaxUint64}, {1, math.MaxUint64 - 1}, {1e30, 0}, {2, 4}} {
		spec := specFrom(func(s *Spec) { s.Max = 20; s.ScaleUpRate, s.ScaleUpPods = tc.rate, tc.pods })
		load := 9 * 50 * 0.9 // nine replicas at target 50 × 0.9
		obs := Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second,
			StableLoad: &load}
		d := Decide(spec, obs, State{}, t0)
		want := uint64(9)
		if tc.pods == 4 {
			want = 6 // the shipped limit binds: max(2×2, 2+4)
		}
		if d.Replicas != want {
			t.Errorf("rate %g, pods %d: %d replicas (%s: %q), want %d", tc.rate, tc.pods, d.Replicas, d.Code, d.Reason, want)
		}
	}
}
