package keepalive

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestFeederFirstReadDoesNotCountTheRebuildsLastCallsAgain: the feeder's
// first read after a rebuild reads back over the rebuild's last step (a
// scrape appended after the rebuild read it would otherwise be in neither:
// TestFeederCountsACallAppendedAfterTheRebuildReadIt). A call the rebuild
// counted there was counted again as a call of the same busy stretch: one
// call more of busy time at every restart, which moved the rate a rare
// function's cold start is priced at (a review's finding, about 10 % a
// restart). The rebuild hands its last steps' counts over, and the first
// read counts only what is beyond them; a scrape appended late is still
// counted (the lagged case).
//
// Seen failing before the hand-over: busy calls 1, want 0 (both lags).
func TestFeederFirstReadDoesNotCountTheRebuildsLastCallsAgain(t *testing.T) {
	for _, lag := range []time.Duration{0, time.Second} {
		t.Run("append lag "+lag.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ref := provider.Ref{Name: "fn", Namespace: "fn"}
				t0 := time.Now()
				src := &appendLagged{t0: t0, lag: lag, calls: []time.Time{
					t0.Add(-2 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-3 * time.Second), t0.Add(5 * time.Minute)}}
				p := mustPolicy(t)
				if got := rebuildThenFeed(t, p, src, ref, time.Hour); !tenThenFive(got) {
					t.Fatalf("idle times %v; want two, about 10m and 5m", got)
				}
				if h := p.fns[ref]; h.busyCalls != 0 {
					t.Errorf("busy calls %g, want 0: every call ended an idle time, none was counted twice", h.busyCalls)
				}
				if len(p.handover) != 0 {
					t.Errorf("the hand-over is kept after the first read: %v", p.handover)
				}
			})
		})
	}
}
