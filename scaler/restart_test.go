package scaler

import (
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
