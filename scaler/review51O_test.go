package scaler

import (
	"testing"
	"time"
)

// TestReview51OToleranceBandNotHeldByTheWindow: a function held at 100
// replicas by the ±10 % dead band (its load needs 90.5 replicas for a whole
// minute: "within ±10% … → keep 100") is scaled down to 91 by ONE
// evaluation whose load dips just below the band (89 replicas' worth). A
// within-tolerance decision records ceil(load/per) (91) in the down window,
// not the count it decided to keep (100), so the window never remembers
// that 100 was the recommendation; the first reading outside the band then
// drops the count at once to the window's highest (91), nine replicas on a
// single 5 s dip. The Kubernetes HPA (reference/peers.md; replica_calculator
// returns currentReplicas when the ratio is within tolerance, and that is
// what stabilizeRecommendation records) keeps 100 until the load has stayed
// below the band for a whole stabilisation window; README promises the
// HPA's tolerance and "scales down only to the highest recommendation in
// the window", and a recommendation of "keep 100" is 100. Expected: the
// dip is held at 100 (code stabilising) while the window holds the
// within-tolerance decisions. Cause: decide.go decideTarget records `rec`
// (recorded := rec) before the tolerance case sets want = cur.
func TestReview51OToleranceBandNotHeldByTheWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 200 }) // per replica 45, window 2m
	per := spec.PerReplicaTarget()
	var st State
	now := t0
	for i := 0; i < 12; i++ { // a minute inside the band
		d := Decide(spec, obsOf(100, ptr(90.5*per)), st, now)
		if d.Replicas != 100 || d.Code != CodeWithinTolerance {
			t.Fatalf("setup: load 90.5 replicas' worth at 100: %d %s (%s), want 100 within_tolerance", d.Replicas, d.Code, d.Reason)
		}
		st, now = d.Next, now.Add(5*time.Second)
	}
	d := Decide(spec, obsOf(100, ptr(89*per)), st, now) // one dip just below the band
	if d.Replicas != 100 {
		t.Errorf("one 5 s dip to 89 replicas' worth after a minute held at 100 by the tolerance band: %d %s (%s), want 100 (stabilising: the window's decisions were all 'keep 100')",
			d.Replicas, d.Code, d.Reason)
	}
}

// TestReview51OStableNeedExpiresAsAnAlertLoad: a firing alert's
// evaluation whose count rests on Prometheus's own stable reading, not on
// the alert's load, records that need with an alert's expiry (one stable
// window) instead of for the down window. Here the burst query failed
// (its reading missing), so a firing alert's load (needs 10) stands in as
// the burst reading and marks the evaluation fromAlert, but the stable
// average needs 20 and the decision scales 10 → 20 on it. doc.go / wake.go
// say only "a need read from a firing alert's load expires after one stable
// window"; this one was read from the source. 65 s later (inside the 2 m
// down window) the stable reading needs 5: the 20 has already expired and
// the function is halved to 10, when the down window should hold 20 until
// 2 m after it was recommended. Cause: decide.go decideTarget sets
// r.Expires whenever fromAlert, whatever load `rec` came from.
func TestReview51OStableNeedExpiresAsAnAlertLoad(t *testing.T) {
	spec := specFrom(nil) // per 45, max 20, window 2m
	alert := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "f",
		StartsAt: t0.Add(-time.Minute), Load: ptr(450)}
	obs := Observation{Replicas: 10, Available: 10, StableLoad: ptr(900), StableWindow: time.Minute,
		BurstWindow: 10 * time.Second, Signal: alert} // burst query failed: BurstLoad nil
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 20 {
		t.Fatalf("setup: stable needing 20 at 10: %d %s (%s), want 20", d.Replicas, d.Code, d.Reason)
	}
	later := t0.Add(65 * time.Second)
	d2 := Decide(spec, obsOf(20, ptr(225)), d.Next, later)
	if d2.Replicas != 20 {
		t.Errorf("65 s after a scale-up to 20 on the stable reading (the alert's load needed only 10), load needing 5: %d %s (%s), want 20 held by the 2m down window; recorded %+v",
			d2.Replicas, d2.Code, d2.Reason, d.Next.Recommendations)
	}
}
