package controller

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestHealthzDuringATermsKeepAliveRefresh: a term's idler starts
// only once the term's keep-alive refresh (the replica history, bounded by
// keep_alive.rebuild_timeout) has read: Act waits for it on purpose. No loop
// hangs meanwhile — the scaler passes, and the idler's first cycle is not
// due before it starts — but /healthz counts the idler's first cycle as due
// one schedule after the term's start, so a refresh that takes longer than
// liveness.max_inactivity (both valid values: rebuild_timeout 15m, the
// default max_inactivity 10m; or the docs' rebuild_timeout 3m with
// max_inactivity 2m) fails the livenessProbe and the leader is restarted
// in the middle of a bounded read, term after term. The idler's first
// cycle is now due one schedule after it starts.
//
// Seen failing before the fix (found by a review): 11m0s into a term whose
// keep-alive refresh (bounded at 15m0s) still reads, /healthz fails:
// stalled: no idler cycle completed for 11m, one due for 10m30s
// (max_inactivity 10m)
func TestHealthzDuringATermsKeepAliveRefresh(t *testing.T) {
	for _, c := range []struct{ rebuildTimeout, maxInactivity, checkAt time.Duration }{
		{15 * time.Minute, 10 * time.Minute, 11 * time.Minute},             // max_inactivity at its default
		{3 * time.Minute, 2 * time.Minute, 2*time.Minute + 45*time.Second}, // docs: "3m reads the whole day"
	} {
		t.Run(fmt.Sprintf("rebuild_timeout=%s,max_inactivity=%s", c.rebuildTimeout, c.maxInactivity), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := config15s()
				cfg.KeepAlive.RebuildLookback = time.Hour
				cfg.KeepAlive.RebuildTimeout = c.rebuildTimeout
				cfg.Liveness.MaxInactivity = c.maxInactivity // idler @every 30s
				hist := &stuckHistory{}
				ctl, _, _ := learnOver(t, cfg, hist)
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				defer func() { cancel(); wg.Wait() }()
				wg.Go(func() { _ = ctl.Learn(ctx) })
				<-ctl.rebuilt // the start's rebuild has given up: a later term refreshes
				start := time.Now()
				wg.Go(func() { ctl.Act(ctx) })
				time.Sleep(c.checkAt)
				synctest.Wait()
				ctl.live.mu.Lock()
				refreshing := len(ctl.live.terms) == 1 && ctl.live.terms[0].running["keep-alive refresh"] > 0
				ctl.live.mu.Unlock()
				if !refreshing || !at(&ctl.live.idlerDone).IsZero() || at(&ctl.live.scalerDone).IsZero() {
					t.Fatalf("control: want the refresh still reading, no idler cycle yet and the scaler passing (refreshing %v, idler %v, scaler %v)",
						refreshing, at(&ctl.live.idlerDone), at(&ctl.live.scalerDone))
				}
				if err := ctl.Live(); err != nil {
					t.Errorf("%s into a term whose keep-alive refresh (bounded at %s) still reads, /healthz fails: %v",
						time.Since(start).Round(time.Second), cfg.KeepAlive.RebuildTimeout, err)
				}
			})
		})
	}
}
