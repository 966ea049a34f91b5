package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// A function that scaled up on the first reading of a step is re-evaluated
// every second for one burst window, so the step's full reading one scrape
// later is acted on within a second, not at the next pass (5 s later).
//
// Seen failing: without the follow-up (the followUpLocked call in
// decideAndApply removed) it is still at 3 replicas 2.5 s in; with the
// follow-ups never expiring (dueFollowUps keeping every entry), the queries
// between passes after the window do not stop.
func TestFollowUpActsOnTheNextReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil))
		// The first reading of a step of 200/s, one 5 s scrape in: the burst
		// window holds 100/s of it (burst: ≥ 2 × 45 on one ready replica).
		e.src.SetWindow("rps", DefaultStableWindow, refA, 10)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 100)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		time.Sleep(500 * time.Millisecond)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("after the first pass: %d replicas, want 3 (100/s over 45/s)", got)
		}
		// The next scrape shows the whole step.
		time.Sleep(time.Second)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 200)
		time.Sleep(time.Second)
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("2.5 s in, a second after the full reading: %d replicas, want 5 (the next pass is at 5 s)", got)
		}
		// One burst window after the last scale-up (at 2 s), the follow-ups
		// stop: between two passes the source is not asked again.
		time.Sleep(13 * time.Second) // 15.5 s: the pass at 15 s is done
		e.src.Queries()              // forget those so far
		time.Sleep(4 * time.Second)  // 19.5 s, before the pass at 20 s
		if got := len(e.src.Queries()); got != 0 {
			t.Errorf("%d load queries between passes after the follow-up window, want 0", got)
		}
	})
}

// A scale-down is not followed up: it waits for the regular passes.
func TestNoFollowUpAfterScaleDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) { c.Defaults.DownWindow = 0 }, function(refA, 4, nil))
		e.src.Set("rps", refA, 40) // one replica's worth: 4 → 2 (halving)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		time.Sleep(500 * time.Millisecond)
		if got := e.prov.replicas(refA); got != 2 {
			t.Fatalf("after the first pass: %d replicas, want 2", got)
		}
		e.src.Queries() // forget the first pass's
		time.Sleep(4 * time.Second)
		if got := len(e.src.Queries()); got != 0 {
			t.Errorf("%d load queries before the next pass after a scale-down, want 0", got)
		}
	})
}
