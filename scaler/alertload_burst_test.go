package scaler

import (
	"testing"
	"time"
)

// TestExpiredAlertLoadReturnsNoLowerThanTheBurstReading: a count that
// rested only on an alert's load goes back to the count before it when the
// evidence expires with no stable reading to confirm it. When the source's
// burst window does read a load, the count went back all the same, below
// what that reading needs (2 with a burst reading needing 7): missing
// stable data is no reason to drop capacity the fresh reading says is in
// use. It goes back no lower than the burst reading needs.
//
// Seen failing before: "alert evidence expired, stable missing, burst 300
// (needs 7): 2 (no_data: ...), want 7".
func TestExpiredAlertLoadReturnsNoLowerThanTheBurstReading(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 10 }) // 45 a replica
	sig := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "a", StartsAt: t0, Load: ptr(430)}
	d := Decide(spec, Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}, State{}, t0)
	if d.Replicas != 10 {
		t.Fatalf("setup: the alert's load 430 at 2: %d (%s: %q), want 10", d.Replicas, d.Code, d.Reason)
	}
	obs := Observation{Replicas: 10, Available: 10, StableWindow: time.Minute, BurstLoad: ptr(300), BurstWindow: 10 * time.Second}
	d = Decide(spec, obs, d.Next, t0.Add(2*time.Minute))
	if d.Replicas != 7 {
		t.Errorf("alert evidence expired, stable missing, burst 300 (needs 7): %d (%s: %q), want 7", d.Replicas, d.Code, d.Reason)
	}
	// Control: with no reading at all it goes back to the count before the alert.
	d2 := Decide(spec, Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}, State{}, t0)
	obs.BurstLoad = nil
	if d := Decide(spec, obs, d2.Next, t0.Add(2*time.Minute)); d.Replicas != 2 {
		t.Errorf("alert evidence expired, no reading: %d (%s: %q), want back to 2", d.Replicas, d.Code, d.Reason)
	}
}
