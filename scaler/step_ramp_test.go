package scaler

import (
	"testing"
	"time"
)

// doc.go: "Step mode (type=step) follows alerts as the OpenFaaS gateway did,
// but steps down gradually over the down window after a resolved alert";
// decideStep: a resolved alert steps down "reaching the floor at the end of
// the down window"; without a new alert, step mode holds ("step mode, no
// new alert: keep N").
//
// The ramp a resolved alert starts was once cleared only by a running tick
// that saw it end. A function idled to zero inside the ramp (or one whose
// type was changed away from step and back) kept RampStart for ever: at
// zero decideStep returned through zeroIdle with the state untouched. When
// the function was next raised without an alert (a pre-warm, a scheduled
// minimum, an operator), the first tick read a down window that ended an
// hour ago and dropped it straight to the floor -- a scale-down on an alert
// resolved an hour earlier, with no alert now. zeroIdle now ends the ramp,
// and so does any decision outside plain step mode.
func TestStepRampEndsAtZero(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type = TypeStep; s.Min = 0 }) // down window 2m, floor 1 while running
	resolved := &Signal{Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: "f"}

	// t0: the alert resolves at 4 replicas: the ramp starts.
	d := Decide(spec, Observation{Replicas: 4, Available: 4, Signal: resolved}, State{}, t0)
	st := d.Next
	if st.RampStart.IsZero() {
		t.Fatalf("setup: no ramp started: %+v", d)
	}
	// t0+30s: the idler parks the function at zero; ticks leave it there.
	d = Decide(spec, Observation{Replicas: 0}, st, t0.Add(30*time.Second))
	if d.Replicas != 0 {
		t.Fatalf("setup: at zero without alert: %d", d.Replicas)
	}
	st = d.Next
	if !st.RampStart.IsZero() || st.RampFrom != 0 {
		t.Errorf("at zero: ramp kept (from %d at %v)", st.RampFrom, st.RampStart)
	}
	// An hour later a pre-warm (or an operator) raises it to 3; the next
	// tick has no alert.
	d = Decide(spec, Observation{Replicas: 3, Available: 3}, st, t0.Add(time.Hour))
	if d.Replicas != 3 {
		t.Errorf("an hour after the ramp's down window, no alert: got %d (%s: %q); want keep 3 (step mode holds without a new alert)",
			d.Replicas, d.Code, d.Reason)
	}
}

// The same through a type change: labels switch a step function in its
// ramp to rps (decideTarget once carried the ramp fields along untouched)
// and, an hour later, back to step: the first step-mode tick dropped the
// function to its floor on the old ramp.
func TestStepRampEndsOnTypeChange(t *testing.T) {
	step := specFrom(func(s *Spec) { s.Type = TypeStep })
	rps := specFrom(nil)
	resolved := &Signal{Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: "f"}
	d := Decide(step, Observation{Replicas: 4, Available: 4, Signal: resolved}, State{}, t0)
	st := d.Next
	load := 400.0 // rps: 9 replicas at 45 each -- the count grows under rps
	obs := Observation{Replicas: 4, Available: 4, StableLoad: &load, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d = Decide(rps, obs, st, t0.Add(10*time.Second))
	st = d.Next
	if !st.RampStart.IsZero() || st.RampFrom != 0 {
		t.Errorf("under rps: ramp kept (from %d at %v)", st.RampFrom, st.RampStart)
	}
	obs = Observation{Replicas: d.Replicas, Available: d.Replicas, StableLoad: &load, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d = Decide(rps, obs, st, t0.Add(time.Hour))
	st = d.Next
	cur := d.Replicas
	d = Decide(step, Observation{Replicas: cur, Available: cur}, st, t0.Add(time.Hour+5*time.Second))
	if d.Replicas != cur {
		t.Errorf("back to step mode an hour after a resolved alert, no alert now: got %d (%s: %q); want keep %d",
			d.Replicas, d.Code, d.Reason, cur)
	}
}
