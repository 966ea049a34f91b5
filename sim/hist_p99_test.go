package sim_test

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestWaitP99DoesNotDependOnTheMax: two policies whose request waits have
// the same 99th percentile — a 2 s cold start, the commonest non-zero wait
// of every policy at the default --cold-start — report the same wait p99.
// The histogram returned its bucket's upper edge capped at the largest wait
// ever seen, so the policy that never waited more than 2 s read 2.000 s and
// the one with a single longer wait elsewhere 2.021 s for the same p99: a
// bias against the longer tail in the verdict's "wait p99 ≤ baseline +
// 0.5 s". Found by a review helper.
func TestWaitP99DoesNotDependOnTheMax(t *testing.T) {
	fill := func(extra ...float64) *sim.Histogram {
		var h sim.Histogram
		for range 980 {
			h.Add(0)
		}
		for range 20 - len(extra) {
			h.Add(2.0)
		}
		for _, x := range extra {
			h.Add(x)
		}
		return &h
	}
	baseline := fill()      // 980 warm, 20 cold starts of 2 s
	candidate := fill(6.68) // the same, but one of the 20 waited 6.68 s
	b, c := baseline.Quantile(0.99), candidate.Quantile(0.99)
	// Rank 990 of 1000 is a 2 s wait in both.
	if b != c {
		t.Errorf("wait p99: baseline %.4f s, candidate %.4f s; both have 2 s at rank 990 of 1000", b, c)
	}
}
