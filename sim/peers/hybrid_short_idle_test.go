package peers

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// TestHybridWindowsFollowShortIdleTimes: the hybrid histogram
// policy (Shahrad et al. §4.2; docs/sim.md "Peer policies"; hybrid.go's
// comment) sets the pre-warm window from the 5th-percentile idle time at
// each invocation. hybrid.go recomputes the windows only on an idle time of
// a minute or more or on every 64th shorter one, on the ground that short
// idle times "barely move" the percentiles (docs/sim.md: "they barely
// move"). They move the head all the way to 0 as soon as the short ones make
// up 5 % of the idle times, and a stale pre-warm window unloads the replica
// 5 s after every invocation, so each call of a burst spaced 5–60 s apart is
// a cold start until the 64th.
//
// Hand-computed (concurrency 1, 1 s executions): 21 calls 30 min apart give
// 20 idle times in bin 29 → pre-warm 27 min, keep-alive 34.1 min. Then 10
// calls 30 s apart. The first short idle time (21 idle times, rank
// ceil(0.05 × 21) = 2) leaves the head in bin 29; the second (22 idle times,
// two in bin 0, rank 2) puts it in bin 0: no pre-warm window, keep alive to
// the tail. The paper's policy (and DSLab's, which recomputes at every
// invocation) takes the first two short calls cold and keeps the replica
// for the other 8; the model unloads it after each and takes all 10 cold.
//
// Seen failing before the fix: "short calls 30 s apart after a 30-min
// pattern: cold at calls [1 2 3 4 5 6 7 8 9 10], want only 1 and 2".
func TestHybridWindowsFollowShortIdleTimes(t *testing.T) {
	c := DefaultHybrid().NewController(fn1, t0)
	replicas := 0
	var d sim.Decision
	// drive runs the controller's wake-ups before `until`, the function idle
	// (each call ran 1 s, long done by the first wake 5 s after it).
	drive := func(until time.Time) {
		for i := 0; i < 100 && !d.Wake.IsZero() && d.Wake.Before(until); i++ {
			d = c.Wake(d.Wake, sim.State{Desired: replicas, Ready: replicas})
			if d.Replicas != sim.Keep {
				replicas = d.Replicas
			}
		}
	}
	call := func(now time.Time) (cold bool) {
		drive(now)
		cold = replicas == 0
		d = c.Arrival(now, sim.State{Desired: replicas, Ready: replicas})
		if d.Replicas != sim.Keep {
			replicas = d.Replicas
		}
		return cold
	}
	last := 0.0
	for i := 0; i <= 20; i++ {
		last = float64(i * 1800)
		call(at(last))
	}
	var colds []int
	for k := 1; k <= 10; k++ {
		if call(at(last + float64(30*k))) {
			colds = append(colds, k)
		}
	}
	hc := c.(*hybridCtl)
	if len(colds) != 2 {
		t.Errorf("short calls 30 s apart after a 30-min pattern: cold at calls %v, want only 1 and 2 (from the second short idle time the head is bin 0: no pre-warm window); windows now %+v, recomputed %d calls ago",
			colds, hc.win, hc.sinceWin)
	}
}
