package eval

import (
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// A function of 6 calls with gaps 60, 300, 900, 1200 and 3000 s and 100 s
// left in the window: a 600 s keep-alive is cold on the first call and
// after the three longest gaps, and idles 60 + 300 + 3×600 + 100 s.
func TestKeepModelCountsColdStartsAndIdle(t *testing.T) {
	m := keepModel{n: 6, gaps: []float64{3000, 1200, 900, 300, 60}, tail: 100}
	if c := m.cold(600); c != 4 {
		t.Errorf("cold(600) = %d, want 4", c)
	}
	if i := m.idle(600); i != 2260 {
		t.Errorf("idle(600) = %v, want 2260", i)
	}
	if c, i := m.cold(1200), m.idle(1200); c != 2 || i != 60+300+900+1200+1200+100 {
		t.Errorf("at 1200 s: %d cold, %v idle", c, i)
	}
	tests := []struct {
		theta     float64
		wantPrice float64
		wantOK    bool
	}{
		{theta: 4.0 / 6, wantPrice: 0, wantOK: true}, // met at 600 s already
		// Two cold starts allowed: keep through all but the longest gap
		// (k = 1200 s): 3760 − 2260.
		{theta: 2.0 / 6, wantPrice: 1500, wantOK: true},
		// One: through every gap (k = 3000 s): 60+300+900+1200+3000+100.
		{theta: 1.0 / 6, wantPrice: 5560 - 2260, wantOK: true},
		{theta: 0.1, wantOK: false}, // below 1/n: the first call is cold
	}
	for _, tc := range tests {
		p, ok := m.priceOf(tc.theta, 600)
		if ok != tc.wantOK || (ok && p != tc.wantPrice) {
			t.Errorf("theta %.3f: price %v, ok %v; want %v, %v", tc.theta, p, ok, tc.wantPrice, tc.wantOK)
		}
	}
}

// P75Price over a trace: the p75 of the 10-minute keep-alive's ratios is
// halved, and the functions that already meet it cost nothing; a function
// called every 20 minutes must be kept through half its gaps.
func TestP75PriceKeepsTheCheapestFunctions(t *testing.T) {
	every := func(step, n int) []uint32 {
		pm := make([]uint32, 240)
		for i := 0; i < n; i++ {
			pm[i*step]++
		}
		return pm
	}
	tr := &trace.Trace{Minutes: 240, Functions: []trace.Function{
		{PerMinute: every(20, 12)}, // gaps of 20 min ± a minute: 12 cold at 10 min
		{PerMinute: every(5, 12)},  // warm after the first call
		{PerMinute: every(1, 1)},   // one call: cold whatever is done
		{PerMinute: every(1, 12)},  // warm after the first call
	}}
	// Ratios 1, 1/12, 1, 1/12: the p75 is 1, the goal 0.5. Three functions
	// must meet it: the two warm ones (free) and the 20-minute one, whose
	// keep-alive must outlast 6 of its 11 gaps: about 20 minutes, paid on
	// every gap (a gap it does not outlast still idles it first) and after
	// the last call (20 minutes to the window's end): 12 × 10 min more.
	p, ok := P75Price(tr, 0, 240, 1, trace.Uniform, 10*time.Minute)
	if !ok || p < 100*60 || p > 140*60 {
		t.Errorf("price %v s, ok %v: want about 120 min", p, ok)
	}
	// A function called every 30 minutes first, and five warm ones: six of
	// eight must meet the goal (the p75 is still 1), so one of the 20- and
	// 30-minute functions: the 20-minute one, the cheaper (the 30-minute
	// one would cost about 7 × 20 + 20 min).
	warm := trace.Function{PerMinute: every(1, 12)}
	eight := &trace.Trace{Minutes: 240, Functions: []trace.Function{{PerMinute: every(30, 8)}, tr.Functions[0], tr.Functions[2],
		warm, warm, warm, warm, warm}}
	if p8, ok := P75Price(eight, 0, 240, 1, trace.Uniform, 10*time.Minute); !ok || p8 < 100*60 || p8 > 140*60 {
		t.Errorf("with a 30-minute function: price %v s, ok %v: want about 120 min", p8, ok)
	}
	// Without the 20-minute function the p75 is 1/12 and the goal 1/24:
	// below 1/12, the floor of every function's 12 calls.
	if p, ok := P75Price(&trace.Trace{Minutes: 240, Functions: tr.Functions[1:]}, 0, 240, 1, trace.Uniform, 10*time.Minute); ok {
		t.Errorf("below the floor, but priced %v", p)
	}
	if _, ok := P75Price(&trace.Trace{Minutes: 1, Functions: []trace.Function{{PerMinute: []uint32{0}}}}, 0, 1, 1, trace.Uniform, time.Minute); ok {
		t.Error("no calls, but priced")
	}
}

// The share is over the baseline's idle in the replay, only for a fixed
// keep-alive baseline.
func TestPriceShareNeedsAFixedBaseline(t *testing.T) {
	tr := &trace.Trace{Minutes: 60, Functions: []trace.Function{{PerMinute: append([]uint32{1}, make([]uint32, 59)...)}}}
	tr.Functions[0].PerMinute[30] = 1
	tr.Functions = append(tr.Functions, trace.Function{PerMinute: make([]uint32, 60)})
	tr.Functions[1].PerMinute[0], tr.Functions[1].PerMinute[1] = 1, 1
	c := Cell{Seed: 1, Arrivals: trace.Uniform}
	ss := []sim.Summary{{Policy: "fixed-10m", IdleReplicaSec: 1800}, {Policy: "hybrid-histogram", IdleReplicaSec: 900}}
	got := priceShare(tr, c, 60, ss, "fixed-10m")
	// Ratios 1 (two calls 30 min apart) and 1/2; p75 1, goal 0.5: both
	// must meet it, the first by keeping through its one gap (about 30
	// minutes, and as long after its last call, to the window's end) where
	// the baseline idles 10 and 10.
	if got == nil || math.Abs(*got-2400.0/1800) > 120.0/1800 {
		t.Errorf("share %v, want about 1.33", deref(got))
	}
	if got := priceShare(tr, c, 60, ss, "hybrid-histogram"); got != nil {
		t.Errorf("share over a non-fixed baseline: %v", *got)
	}
	if k, ok := fixedKeepAlive("fixed-1h"); !ok || k != time.Hour {
		t.Errorf("fixed-1h: %v %v", k, ok)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
