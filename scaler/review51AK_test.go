package scaler

import (
	"testing"
	"time"
)

// TestReview51AKRepeatAlertLoadStandingInForStableNeverExpires: a900f08
// narrowed the alert expiry of a recorded need to `burstSrc.alert && load
// == obs.BurstLoad` ("only a need read from an alert's load expires with
// the alert"). A need read from the alert's load standing in for a missing
// stable reading (decide.go: `load, src, fromAlert = obs.Signal.Load, ...`)
// on AlertManager's REPEAT of the notification (same key: freshAlertLoad
// false while the source's burst reading is present, so burstSrc.alert is
// false) now rests on the alert's load yet is recorded without an expiry:
// the down window holds it for its full length. Here the first
// notification (needs 20) is rate-limited 2 → 6, the repeat 30 s later
// takes it 6 → 12 recording 20 for good; when the stable reading comes
// back needing 1 at 95 s (past the one-minute alert evidence of both
// notifications, inside the 2 m window) the count is held at 12 by the
// repeat's 20. Before a900f08 (fromAlert) both expired. Expected: a
// scale-down (the recorded needs rest on the alert's load and expired).
func TestReview51AKRepeatAlertLoadStandingInForStableNeverExpires(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 40; s.BurstThreshold = 100 }) // per 45, window 2m, no burst mode
	per := spec.PerReplicaTarget()
	alert := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "f",
		StartsAt: t0.Add(-time.Minute), Load: ptr(20 * per)}
	obs := func(cur uint64, sig *Signal) Observation {
		// The stable query failed (missing), the burst reading is there and low.
		return Observation{Replicas: cur, Available: cur, StableWindow: time.Minute,
			BurstLoad: ptr(2 * per), BurstWindow: 10 * time.Second, Signal: sig}
	}
	d := Decide(spec, obs(2, alert), State{}, t0)
	if d.Replicas <= 2 {
		t.Fatalf("setup: first notification: %d %s (%s)", d.Replicas, d.Code, d.Reason)
	}
	cur := d.Replicas
	d = Decide(spec, obs(cur, alert), d.Next, t0.Add(30*time.Second)) // AlertManager's repeat
	if d.Replicas <= cur {
		t.Fatalf("setup: repeat: %d %s (%s)", d.Replicas, d.Code, d.Reason)
	}
	cur = d.Replicas
	recs := d.Next.Recommendations
	later := t0.Add(95 * time.Second) // both notifications' evidence (1m) over; down window (2m) not
	d = Decide(spec, obsOf(cur, ptr(1*per)), d.Next, later)
	if d.Replicas >= cur {
		t.Errorf("95 s after the alert's load (standing in for a missing stable reading) raised the count to %d, stable back needing 1: %d %s (%s), want a scale-down (the alert's needs expired after one stable window); recorded %+v",
			cur, d.Replicas, d.Code, d.Reason, recs)
	}
}
