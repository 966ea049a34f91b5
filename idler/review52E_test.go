package idler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview52ERestoreSeenByTheSourceIsNoWake: the idler's own raise of a
// function from zero for its scheduled minimum is no wake (act.go,
// restored: "nobody's requests wait for the replica, and read as one the
// next listing held the function a keep-alive after its scheduled minimum
// ended"). The listing path was fixed, but the metrics source sees the same
// raise in the gateway's replica count (gateway_service_count 0, then 1)
// and reports it as Activity.Woken, which rememberWake takes as a wake: f
// (zero-duration 5m, never invoked) is held past the end of its minimum
// (00:05–00:07) until 5m after the restore, explained "woken from zero".
func TestReview52ERestoreSeenByTheSourceIsNoWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC
		old := start.Add(-48 * time.Hour)
		f := ref("f")
		e := newEnv(t, Config{}, function("f", 0, old, optIn(LabelZeroDuration, "5m", MinScheduleLabel, "5 0 * * * for 2m = 1")))
		e.src.last[f] = old
		e.src.woken = map[provider.Ref]time.Time{}
		var v Verdict
		var restoredAt time.Time
		for now := time.Now(); now.Before(start.Add(7*time.Minute + 30*time.Second)); now = time.Now() {
			time.Sleep(30 * time.Second)
			v = verdictOf(e.d.RunOnce(t.Context(), time.Now()), f)
			if restoredAt.IsZero() && e.p.replicas(f) > 0 {
				// What the gateway's replica count shows a poll later.
				restoredAt = time.Now()
				e.src.mu.Lock()
				e.src.woken[f] = restoredAt.Add(GatewayReplicaPoll)
				e.src.mu.Unlock()
			}
		}
		if restoredAt.IsZero() {
			t.Fatal("control: f never restored for its scheduled minimum")
		}
		// The 00:07:30 cycle: the minimum (00:05–00:07) is over. (The
		// 00:07:00 cycle, the first outside it, idles f: at 00:07:30 it is
		// already at zero; the check as first written wanted idle here.)
		if e.p.replicas(f) != 0 || (v.Code != CodeIdle && v.Code != CodeAlreadyZero) {
			t.Errorf("00:07:30, f restored by the idler at +%s for its minimum (over at 00:07), never invoked: %s (%s), replicas %d; want idle (the idler's own restore, seen by the source, is no wake from zero)",
				restoredAt.Sub(start), v.Code, v.Reason, e.p.replicas(f))
		}
	})
}
