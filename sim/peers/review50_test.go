package peers

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestReview50HybridRecomputesOnEvery64thShortIdleTime: docs/sim.md, "Peer
// policies", hybrid histogram: windows are recomputed "otherwise on every
// 64th shorter one" (an idle time under a minute, no pre-warm window), and
// hybrid.go's comment says the same ("on every 64th short one"). The code
// recomputes when sinceWin >= 64, but sinceWin is 0 after a recompute and
// only reaches 64 after 64 skipped short idle times: the recompute comes on
// the 65th.
//
// Hand computation: 98 idle times of 10 s, then one of 30 min (≥ a bin:
// recomputed, sinceWin = 0). 99 in range: head rank ceil(0.05×99) = 5 →
// bin 0 (no pre-warm); tail rank ceil(0.99×99) = 99 → bin 30 (98 in bin 0),
// keep-alive 31 min × 1.1 = 34.1 min. One more 10 s idle time: 100 in
// range, tail rank ceil(0.99×100) = 99 ≤ 99 in bin 0 → bin 0, keep-alive
// 1 min × 1.1 = 66 s, and it stays so with every further 10 s idle time.
// The 64th short idle time after the 30-min one must recompute: its
// decision wakes 66 s after it (the end of the keep-alive), not 34.1 min.
func TestReview50HybridRecomputesOnEvery64thShortIdleTime(t *testing.T) {
	c := DefaultHybrid().NewController(sim.FunctionInfo{Concurrency: 1, ColdStart: 2 * time.Second}, t0)
	now := 0.0
	st := sim.State{Desired: 1, Ready: 1}
	c.Arrival(at(now), st)
	for i := 0; i < 98; i++ {
		now += 10
		c.Arrival(at(now), st)
	}
	now += 1800
	d := c.Arrival(at(now), st)
	if got, want := d.Wake.Sub(at(now)), scale(31*time.Minute, 1.1); got != want {
		t.Fatalf("after the 30-min idle time: wake in %v, want %v (setup)", got, want)
	}
	for k := 1; k <= 64; k++ {
		now += 10
		d = c.Arrival(at(now), st)
	}
	if got, want := d.Wake.Sub(at(now)), 66*time.Second; got != want {
		t.Errorf("64th short idle time after a recompute: wake in %v (windows not recomputed), want %v (tail bin 0 + 10 %%)", got, want)
	}
}
