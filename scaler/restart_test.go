package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestNoScaleDownInTheFirstDownWindow: a loop that finds a function at 14
// replicas (a restart after a burst, a failover) keeps them for one down
// window even though the load now needs 1, then steps down. Before, the
// first pass after a restart halved the function at once (14 → 7 → 4 → 2 →
// 1 every pass) because the down window's memory was lost with the process.
func TestNoScaleDownInTheFirstDownWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 14, nil))
		e.src.Set("rps", refA, 10) // needs 1 at the default target 50
		start := time.Now()
		for time.Since(start) < testDefaults().DownWindow-5*time.Second {
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := e.prov.replicas(refA); got != 14 {
				t.Fatalf("%s after the first sight: %d replicas, want 14 kept for the down window", time.Since(start), got)
			}
			time.Sleep(5 * time.Second)
		}
		time.Sleep(10 * time.Second)
		for range 6 {
			_ = e.loop.Tick(t.Context(), time.Now())
			time.Sleep(5 * time.Second)
		}
		if got := e.prov.replicas(refA); got >= 14 {
			t.Errorf("after the down window: still %d replicas, want the scale-down to proceed", got)
		}
	})
}

// TestNoScaleDownInANewTermsFirstDownWindow: a replica that led, lost the
// lease (an API server slow to renew it) and leads again an hour later
// finds a function at the count the other leader held. Its own memory of
// the function is an hour old, its recommendations long out of the down
// window, so its first pass scaled the function down on the load of the
// moment: the other leader's down window, which was holding those
// replicas, was lost as at a process restart. A new term is a first sight,
// as a start is.
func TestNoScaleDownInANewTermsFirstDownWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 14, nil))
		e.src.Set("rps", refA, 700) // needs 14 or more at the default target 50
		term := func(d time.Duration) {
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- e.loop.Run(ctx) }()
			time.Sleep(d)
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		term(time.Minute)
		time.Sleep(time.Hour)      // another replica leads, and keeps a's count
		e.src.Set("rps", refA, 10) // needs 1 now
		e.prov.takeCalls()
		held := e.prov.replicas(refA) // the first term's count
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = e.loop.Run(ctx) }()
		time.Sleep(testDefaults().DownWindow - 10*time.Second)
		if calls := e.prov.takeCalls(); len(calls) != 0 || e.prov.replicas(refA) != held {
			t.Errorf("in the new term's first down window: scale calls %v, %d replicas; want %d kept", calls, e.prov.replicas(refA), held)
		}
		time.Sleep(time.Minute)
		if got := e.prov.replicas(refA); got >= held {
			t.Errorf("after the new term's first down window: still %d replicas, want the scale-down to proceed", got)
		}
		cancel()
	})
}
