package scaler

import (
	"testing"
	"time"
)

// TestReview51ICEAlertFirstThenGeneratedStepsTwice: with `rules
// --ce-compatible` a step-mode function has two alerts for one condition,
// the generated FunctionStepRateHigh (scaling_type "step") and OpenFaaS
// CE's APIHighInvocationRate, each in its own AlertManager group
// (group_by [alertname, function_name]), so each reaches the webhook in its
// own notification. besideRule makes CE's alert add nothing once the
// generated one has been seen firing ("one condition steps once"), but only
// in that order. CE's alert often comes first: its rule reads a 10 s rate
// (for: 5s), the generated one a 20 s rate (for: 0, at the 5 s scrape
// defaults), both against 5 calls/s, so under a load of 5-10 calls/s CE's
// fires a few seconds earlier (R=8: CE at ~11 s, generated at ~12.5 s).
// Then CE's steps, and the generated alert's first firing seconds later
// steps again: two steps for one condition, twice the factor's pace, the
// double stepping besideRule was added to stop (step.go besideRule /
// decideStep: nothing looks back at a step just taken on CE's alert).
// Expected: the generated alert's first firing shortly after a step on
// CE's alert (within StepRuleEvidence) adds nothing.
func TestReview51ICEAlertFirstThenGeneratedStepsTwice(t *testing.T) {
	start := t0.Add(-time.Minute)
	ce := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start}
	ours := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start.Add(2 * time.Second), ScalingType: TypeStep}
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE = exact; s.Max = 20 })
		name := map[bool]string{false: "step", true: "exact CE"}[exact]
		one := map[bool]uint64{false: 5, true: 2}[exact] // 1 + one step (20 % of 20, or of CE's 5)
		var st State
		d := Decide(spec, withSignal(1, ce), st, t0)
		if d.Replicas != one {
			t.Fatalf("%s: control: CE's alert alone: %d replicas, want %d", name, d.Replicas, one)
		}
		st = d.Next
		// The generated alert's notification, 3 s later: the same condition.
		d = Decide(spec, withSignal(one, ours), st, t0.Add(3*time.Second))
		if d.Replicas != one {
			t.Errorf("%s: the generated step alert 3 s after CE's alert for the same condition: %d replicas (%s: %s), want %d (one condition steps once)",
				name, d.Replicas, d.Code, d.Reason, one)
		}
	}
}
