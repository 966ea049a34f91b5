package scaler

import (
	"strings"
	"testing"
	"time"
)

// TestReview52NQueueWakeReasonSaysBacklogNow: a queue-type function at
// zero woken by its backlog is told as "at zero with load 5 over the last
// 10s (stable 5) over target 50×0.9: needs 1 → 1": a load averaged over
// the burst window, beside a stable average. A queue reading is neither:
// it is the backlog now, whatever the window asked (metricsource/queue.go
// WithQueue "a queue reading is a level now, not an average";
// prometheus/queries.go reads TypeQueue as the level now for every window).
// The code says so itself: wake.go ("A queue reading is the backlog now,
// not an average over a window") and queue.go stableSource, which words
// the running function's reason as "queue 5 (backlog now) over ...". The
// wake's reason, the one the explain API and the log show for the
// decision that matters most to an async user, tells an operator the
// function was woken on ten seconds of load, and sends them looking for
// traffic in a window. Expected: the wake's reason words the reading as
// the backlog now, not as load over the last burst window.
// Cause: scaler/wake.go wakeFromZero, the final Sprintf ("at zero with %s
// over the last %s%s (%s) ...") used for every type.
func TestReview52NQueueWakeReasonSaysBacklogNow(t *testing.T) {
	now := time.Unix(1e9, 0)
	obs := Observation{StableLoad: f64(5), BurstLoad: f64(5), StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d := Decide(queueSpec(t, nil), obs, State{}, now)
	if d.Replicas != 1 || d.Code != CodeFromZero {
		t.Fatalf("queue function at zero with 5 queued: %d %s (%q), want woken to 1", d.Replicas, d.Code, d.Reason)
	}
	if strings.Contains(d.Reason, "over the last") || !strings.Contains(d.Reason, "backlog") {
		t.Errorf("wake reason %q: words the queue's backlog now as a load over the last %s; want it named as the backlog now (as the running reason's \"(backlog now)\")",
			d.Reason, obs.BurstWindow)
	}
}
