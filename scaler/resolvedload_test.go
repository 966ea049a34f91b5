package scaler

import (
	"testing"
	"time"
)

// A resolved alert's load annotation is the last value Prometheus saw while
// the alert fired. When Prometheus has no data (it is down, and AlertManager
// resolves its alerts at their end with the last annotations), that number
// must not stand in for the stable load: missing is not zero, nor an old
// number. Seen failing before the fix (found by a review): 2 → 6 replicas on a
// resolved alert's load of 900, "rps 900 (from the alert)".
func TestResolvedAlertsLoadIsNotALoad(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 20 })
	sig := &Signal{Status: Resolved, AlertName: "FunctionLoadAboveTarget", Load: ptr(900)}
	obs := Observation{Replicas: 2, Available: 2, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 2 || d.Code != CodeNoData || !d.Next.AlertLoadAt.IsZero() {
		t.Errorf("resolved alert (load 900), no data: %d replicas (%s: %q), alert load at %v; want keep 2, no_data, no alert load kept",
			d.Replicas, d.Code, d.Reason, d.Next.AlertLoadAt)
	}
	// At zero it does not wake the function either (seen failing: 0 → 20).
	obs.Replicas, obs.Available = 0, 0
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 0 {
		t.Errorf("resolved alert (load 900) at zero, no data: %d replicas (%s: %q), want 0", d.Replicas, d.Code, d.Reason)
	}
	// The same alert firing still counts, as before.
	sig.Status = Firing
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 20 {
		t.Errorf("firing alert (load 900) at zero, no data: %d replicas (%s: %q), want 20", d.Replicas, d.Code, d.Reason)
	}
}
