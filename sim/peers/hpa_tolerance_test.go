package peers

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestHPAToleranceBoundaryIsInclusive: reference/peers.md §2 (HPA,
// replica_calculator.go): "Nothing changes while the ratio is within
// tolerance: 1 − tolDown <= ratio <= 1 + tolUp (Tolerances.isWithin)";
// docs/sim.md "Peer policies": tolerance 0.1. Both bounds are inclusive,
// and the test is written in upstream's form because |ratio − 1| <= tol
// is not the same test in floating point: 1.1 − 1 = 0.10000000000000009.
//
// Hand-computed: concurrency 10 → target 0.7 × 10 = 7 per replica. With 10
// replicas and an average load of 77 the ratio is 77 / (7 × 10) = 1.1, which
// is exactly 1 + 0.1: within tolerance, so the HPA keeps 10 (upstream
// computes ratio = 77000m / 70000m = 1.1 and tests 1.1 <= 1.0 + 0.1, true),
// where the |ratio − 1| form scaled to ceil(77 / 7) = 11. Likewise 1 replica
// at a load of 7.7, and 1 replica of concurrency 1 (target 0.7) at 0.77
// (2 under the old form). The lower bound, ratio 0.9 (load 63 on 10), and
// just outside each bound are checked too.
func TestHPAToleranceBoundaryIsInclusive(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		metric      float64
		current     int
		want        int
	}{
		{"10 replicas at exactly +10 %", 10, 77, 10, 10},
		{"1 replica at exactly +10 %", 10, 7.7, 1, 1},
		{"concurrency 1, 1 replica at exactly +10 %", 1, 0.77, 1, 1},
		{"10 replicas at exactly −10 %", 10, 63, 10, 10},
		{"10 replicas just over +10 %", 10, 77.01, 10, 12},
		{"10 replicas just under −10 %", 10, 62.99, 10, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newHPACore(DefaultHPA(), sim.FunctionInfo{Concurrency: tc.concurrency})
			if got, why := c.recommend(tc.metric, tc.current); got != tc.want {
				t.Errorf("recommend(%v, %d) = %d (%s), want %d (tolerance 1 ± 0.1, bounds inclusive)", tc.metric, tc.current, got, why, tc.want)
			}
		})
	}
}
