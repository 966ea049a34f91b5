package eval

import (
	"math"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestP75FloorIsTheFirstCallsP75: functions with 1, 2 and 4 calls in the
// window (and one with calls only outside it) floor at 1, 1/2 and 1/4; the
// nearest-rank p75 of three is the highest. A window of the last two
// minutes leaves 1 call (1/1) and 3 calls (1/3): the floor is 1.
func TestP75FloorIsTheFirstCallsP75(t *testing.T) {
	tr := &trace.Trace{Minutes: 3, Functions: []trace.Function{
		{PerMinute: []uint32{1, 0, 0}},
		{PerMinute: []uint32{2, 0, 0}},
		{PerMinute: []uint32{1, 2, 1}},
		{PerMinute: []uint32{0, 0, 0}},
	}}
	if got := P75Floor(tr, 0, 3); got != 1 {
		t.Errorf("whole window: %v, want 1", got)
	}
	tr.Functions[0].PerMinute = []uint32{1, 0, 1} // now 2 calls: floors 1/2, 1/2, 1/4
	if got := P75Floor(tr, 0, 3); got != 0.5 {
		t.Errorf("whole window, one more call: %v, want 0.5", got)
	}
	if got := P75Floor(tr, 1, 2); got != 1 {
		t.Errorf("last two minutes: %v, want 1 (function 0's one call there)", got)
	}
	if got := P75Floor(&trace.Trace{Minutes: 1, Functions: []trace.Function{{PerMinute: []uint32{0}}}}, 0, 1); !math.IsNaN(got) {
		t.Errorf("no calls: %v, want NaN", got)
	}
}

// TestReachComparesTheFloorWithTheBound: the floor over the baseline's p75
// against 0.5; no baseline or no floor says nothing (not reachable, no
// value).
func TestReachComparesTheFloorWithTheBound(t *testing.T) {
	ss := []sim.Summary{{Policy: "fixed-10m", P75ColdRatio: 0.8}, {Policy: "ours", P75ColdRatio: 0.1}}
	for _, c := range []struct {
		floor float64
		want  float64
		met   bool
	}{{0.25, 0.3125, true}, {0.4, 0.5, true}, {0.5, 0.625, false}, {1, 1.25, false}} {
		got := Reach(c.floor, ss, "fixed-10m")
		if got.Value == nil || *got.Value != c.want || got.Met != c.met || got.Bound != MaxP75Ratio {
			t.Errorf("floor %v: %+v (value %v), want %v, met %v", c.floor, got, got.Value, c.want, c.met)
		}
	}
	if got := Reach(0.25, ss, "fixed-20m"); got.Value != nil || got.Met {
		t.Errorf("no baseline: %+v", got)
	}
	if got := Reach(math.NaN(), ss, "fixed-10m"); got.Value != nil || got.Met {
		t.Errorf("no floor: %+v", got)
	}
}
