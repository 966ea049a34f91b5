package scaler

import (
	"testing"
	"time"
)

// TestAlertBaseFromAnEarlierModeDoesNotScaleDown: a count that
// rests on step mode's own decisions is not an alert's load. reliability.md
// (item 6): "a count that rests only on an alert's load goes back to its
// pre-alert level one stable window later if Prometheus still has nothing";
// README: "Missing data never scales anything down". Decide already drops a
// step ramp carried through another mode ("a ramp carried through another
// mode dropped the function to its floor ... when the labels came back to
// step mode"), but not the alert's base and time.
//
// The function (rps) is raised 2 → 6 on an alert's load while Prometheus
// has no series for it; its labels then switch to step mode, where
// CE's alert steps it 6 → 10. An hour later the labels are back
// to rps and the source still has no series for the function: that is
// missing data, so 10 should be kept. The alert base of an hour ago (2)
// is taken instead: 10 → 2 in one evaluation, with the reason that an
// alert's load of an hour ago "expired".
//
// Seen failing before the fix: "labels back to rps an hour later …: 2 replicas (no_data:
// \"… the alert's load of 12:00:00 expired …: back to 2\"), want keep 10".
func TestAlertBaseFromAnEarlierModeDoesNotScaleDown(t *testing.T) {
	rps := specFrom(nil) // rps, 45 a replica, max 20
	step := specFrom(func(s *Spec) { s.Type = TypeStep })
	obs := func(cur uint64, sig *Signal) Observation {
		return Observation{Replicas: cur, Available: cur, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
	}
	load := 250.0 // 6 replicas
	up := &Signal{Ref: testRef, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
		Fingerprint: "above", StartsAt: t0, Load: &load}
	a := Decide(rps, obs(2, up), State{}, t0)
	if a.Replicas != 6 {
		t.Fatalf("setup: rps alert load 250 at 2, no data: %d (%s %q), want 6", a.Replicas, a.Code, a.Reason)
	}
	// CE's alert (no scaling_type): its silence for the hour keeps the
	// step (the generated step alert's would be taken as resolved).
	stepUp := &Signal{Ref: testRef, Status: Firing, AlertName: "APIHighInvocationRate",
		Fingerprint: "step", StartsAt: t0.Add(time.Minute)}
	b := Decide(step, obs(6, stepUp), a.Next, t0.Add(time.Minute))
	if b.Replicas != 10 {
		t.Fatalf("setup: step alert at 6: %d (%s %q), want 10", b.Replicas, b.Code, b.Reason)
	}
	// Step mode holds the count for the hour (ticks, no alert).
	st := b.Next
	for now := t0.Add(2 * time.Minute); now.Before(t0.Add(time.Hour)); now = now.Add(5 * time.Minute) {
		d := Decide(step, obs(10, nil), st, now)
		if d.Replicas != 10 {
			t.Fatalf("setup: step mode tick at %v: %d (%s %q), want keep 10", now.Sub(t0), d.Replicas, d.Code, d.Reason)
		}
		st = d.Next
	}
	c := Decide(rps, obs(10, nil), st, t0.Add(time.Hour))
	if c.Replicas != 10 || c.Code != CodeNoData {
		t.Errorf("labels back to rps an hour later, no rps data for the function (missing, not zero), at 10 set by step mode: "+
			"%d replicas (%s: %q), want keep 10 (no_data): the alert's base of an hour ago is not what 10 rests on", c.Replicas, c.Code, c.Reason)
	}
}
