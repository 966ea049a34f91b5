package scaler

import (
	"testing"
	"time"
)

// TestReview52ZAlertBurstDoesNotRenewAnOldSourceNeedPastItsDownWindow:
// decide.go (4d9b89d) says that while burst mode holds, the window keeps
// "only as much of cur as a need the source read holds in the window: the
// part an alert's load alone set expires with its evidence". A source need
// of 10 read 4m50s before a burst an alert's load alone started (down
// window 5m) would leave the window 10 s into the burst. heldBySource
// re-records it at every pass while the burst holds, without expiry, so
// it is held a whole down window after the burst ends: the source's
// reading of ~6 minutes earlier keeps 10 replicas where the load needs 2.
// Expected: 3 min after the alert (its evidence and the burst long over,
// the source's 10 well past its down window) the count is below 10.
func TestReview52ZAlertBurstDoesNotRenewAnOldSourceNeedPastItsDownWindow(t *testing.T) {
	const down = 5 * time.Minute
	spec := specFrom(func(s *Spec) { s.DownWindow = down })
	obs := func(cur uint64, load float64) Observation {
		return Observation{Replicas: cur, Available: cur, StableLoad: ptr(load), BurstLoad: ptr(load),
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	}
	start := t0.Add(-4*time.Minute - 50*time.Second)
	d := Decide(spec, obs(10, 450), State{}, start)
	if d.Replicas != 10 {
		t.Fatalf("setup: 10 replicas with a load needing 10: %d %s (%q)", d.Replicas, d.Code, d.Reason)
	}
	st := d.Next
	// The alert: its load alone needs far more (burst on the alert's part).
	o := obs(10, 100)
	o.Signal = &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "a", StartsAt: t0, Load: ptr(900)}
	d = Decide(spec, o, st, t0)
	if d.Next.BurstSince.IsZero() || d.Replicas <= 10 {
		t.Fatalf("setup: the alert's load 900 at 10: %d %s (%q), want a burst above 10", d.Replicas, d.Code, d.Reason)
	}
	now, st, cur := t0, d.Next, d.Replicas
	for now.Before(t0.Add(3 * time.Minute)) {
		now = now.Add(5 * time.Second)
		d = Decide(spec, obs(cur, 100), st, now)
		st, cur = d.Next, d.Replicas
	}
	if cur >= 10 {
		t.Errorf("3m after an alert-only burst, the source's need of 10 read %v before it (down window %v): %d replicas (%s: %q), want below 10 (the load needs 3)",
			t0.Sub(start), down, cur, d.Code, d.Reason)
	}
}
