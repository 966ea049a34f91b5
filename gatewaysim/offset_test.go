package gatewaysim

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPatternArrivals: Arrivals integrates the rate over whole periods and
// the part of one that is left. Hand count for 10s@5,20s@120,30s@0: 50 +
// 2,400 a 60 s period; 75 s is a period and 10 s at 5 plus 5 s at 120.
func TestPatternArrivals(t *testing.T) {
	p, err := ParsePattern("10s@5,20s@120,30s@0")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p    Pattern
		d    time.Duration
		want float64
	}{
		{p, 0, 0},
		{p, -time.Second, 0},
		{p, 4 * time.Second, 20},
		{p, 75 * time.Second, 2450 + 50 + 600},
		{Constant(0.05), 15 * time.Second, 0.75},
		{nil, time.Hour, 0},
	} {
		if got := tc.p.Arrivals(tc.d); got < tc.want-1e-9 || got > tc.want+1e-9 {
			t.Errorf("%v.Arrivals(%s) = %g, want %g", tc.p, tc.d, got, tc.want)
		}
	}
}

// TestOffsetSpreadsAFleetsCalls: two functions called once each 20 s
// (0.05 rps) would both be called in the same step, 20 s after the load
// was set: the carry of both reaches 1 at once. Offset starts the second
// as if its load had run 15 s already (3/4 of a call carried), so it is
// called about 5 s in while the first has not been called yet.
func TestOffsetSpreadsAFleetsCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := newGateway(t, 1, nil, Config{})
		other := provider.Ref{Name: "other", Namespace: ref.Namespace}
		if err := mem.Deploy(provider.Function{Ref: other, Replicas: 1, AvailableReplicas: 1}); err != nil {
			t.Fatal(err)
		}
		g.SetWorkload(ref, Workload{Load: Constant(0.05), Duration: 50 * time.Millisecond})
		g.SetWorkload(other, Workload{Load: Constant(0.05), Duration: 50 * time.Millisecond, Offset: 15 * time.Second})
		run(t, g, 10*time.Second)
		if got := counter(t, g, "started", ref.String()); got != 0 {
			t.Errorf("calls of the function without offset in its first 10 s = %v, want 0 (its first is at 20 s)", got)
		}
		if got := counter(t, g, "started", other.String()); got != 1 {
			t.Errorf("calls of the function 15 s into its pattern in the first 10 s = %v, want 1 (at about 5 s)", got)
		}
	})
}

// TestNoLatencyLeavesTheHistogramOut: with NoLatency the page has no
// gateway_functions_seconds (and the counters the controller reads still
// count); without it, the histogram observes every request.
func TestNoLatencyLeavesTheHistogramOut(t *testing.T) {
	for _, noLatency := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			g, _ := newGateway(t, 1, nil, Config{NoLatency: noLatency})
			g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 50 * time.Millisecond})
			run(t, g, 2*time.Second)
			if got := counter(t, g, "total", ref.String(), "200"); got < 15 {
				t.Errorf("NoLatency %v: %v requests completed, want about 19", noLatency, got)
			}
			mfs, err := g.Registry().Gather()
			if err != nil {
				t.Fatal(err)
			}
			var observed uint64
			found := false
			for _, mf := range mfs {
				if mf.GetName() == "gateway_functions_seconds" {
					found = true
					for _, m := range mf.GetMetric() {
						observed += m.GetHistogram().GetSampleCount()
					}
				}
			}
			if found == noLatency || (!noLatency && observed < 15) {
				t.Errorf("NoLatency %v: gateway_functions_seconds exported %v with %d requests observed; want exported %v", noLatency, found, observed, !noLatency)
			}
		})
	}
}
