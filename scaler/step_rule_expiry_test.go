package scaler

import (
	"testing"
	"time"
)

// TestCEAlertStepsOnceTheGeneratedAlertIsNoLongerSeen: while the generated
// step alert fires, AlertManager repeats it every repeat_interval; a CE
// alert beside it adds nothing. When its resolution never reaches Decide
// (AlertManager down at that moment, a webhook answer it did not retry in
// time, a restart, or CE's firing taking the queued resolution's place in
// the loop's queue), the generated alert stops repeating but was still
// held as firing, and CE's APIHighInvocationRate was ignored for good: a
// function under load never stepped again. The generated alert counts as
// firing only while it has been seen within StepRuleEvidence.
//
// Seen failing before: "step: CE's alert 10m after the generated alert was
// last seen: 5 replicas (duplicate), want a step above 5".
func TestCEAlertStepsOnceTheGeneratedAlertIsNoLongerSeen(t *testing.T) {
	start := t0.Add(-time.Minute)
	ours := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep}
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE = exact; s.Max = 20 })
		name := map[bool]string{false: "step", true: "exact CE"}[exact]
		first := map[bool]uint64{false: 5, true: 2}[exact]
		d := Decide(spec, withSignal(1, ours), State{}, t0)
		if d.Replicas != first {
			t.Fatalf("%s: control: the generated alert: %d replicas, want %d", name, d.Replicas, first)
		}
		st := d.Next
		// Within the evidence window (a repeat not yet due): CE's is
		// beside the generated alert, as before.
		ceStart := t0.Add(5 * time.Second)
		ce := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: ceStart}
		near := t0.Add(StepRuleEvidence - time.Second)
		if d := Decide(spec, withSignal(first, ce), st, near); d.Replicas != first || d.Code != CodeDuplicate {
			t.Errorf("%s: CE's alert %v after the generated alert: %d replicas (%s), want %d (duplicate)", name, near.Sub(t0), d.Replicas, d.Code, first)
		}
		// The generated alert's resolution was lost: it has not been seen
		// for 10m. CE's alert is all there is, and steps.
		late := t0.Add(10 * time.Minute)
		d = Decide(spec, withSignal(first, ce), st, late)
		if d.Replicas <= first || d.Code != CodeStepUp {
			t.Errorf("%s: CE's alert 10m after the generated alert was last seen: %d replicas (%s), want a step above %d", name, d.Replicas, d.Code, first)
		}
		// And its resolution is acted on (step mode starts its way down,
		// exact CE drops to the floor).
		after := d.Replicas
		res := *ce
		res.Status = Resolved
		d = Decide(spec, withSignal(after, &res), d.Next, late.Add(time.Minute))
		if exact && d.Replicas != 1 || !exact && d.Next.RampStart.IsZero() {
			t.Errorf("%s: CE's resolution with the generated alert long unseen: %d replicas (%s, ramp from %s), want the way down", name, d.Replicas, d.Code, d.Next.RampStart)
		}
	}
}

// TestGeneratedStepAlertRepeatsKeepItFiring: each delivery of the
// generated alert while it fires, a duplicate within StepDedup included,
// renews it, so CE's alert stays beside it however long the condition
// lasts.
func TestGeneratedStepAlertRepeatsKeepItFiring(t *testing.T) {
	start := t0.Add(-time.Minute)
	ours := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep}
	ce := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start}
	spec := stepSpec(func(s *Spec) { s.Max = 1000 })
	var st State
	cur := uint64(1)
	now := t0
	every := StepRuleEvidence / 2 // AlertManager's repeat_interval, as the generated route sets it
	for i := range 20 {
		d := Decide(spec, withSignal(cur, ours), st, now)
		st, cur = d.Next, d.Replicas
		// A retry of the same delivery, within StepDedup.
		d = Decide(spec, withSignal(cur, ours), st, now.Add(time.Second))
		st = d.Next
		at := now.Add(every - time.Second)
		if d := Decide(spec, withSignal(cur, ce), st, at); d.Code != CodeDuplicate || d.Replicas != cur {
			t.Fatalf("repeat %d: CE's alert %v after the generated alert's repeat: %d replicas (%s), want %d (duplicate)", i, every-time.Second, d.Replicas, d.Code, cur)
		}
		now = now.Add(every)
	}
}
