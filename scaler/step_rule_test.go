package scaler

import (
	"testing"
	"time"
)

// TestCEAlertBesideTheGeneratedStepAlertStepsOnce: with `rules
// --ce-compatible` (a gradual migration) a step-mode function has two alerts
// routed to the controller for one condition: the generated
// FunctionStepRateHigh (scaling_type "step") and OpenFaaS CE's
// APIHighInvocationRate (no scaling_type), each in its own AlertManager
// group, each repeated on its own. Each stepped, so the function rose twice
// as fast as its factor says, and CE's resolution started the way down under
// the generated alert still firing. While the generated alert fires, CE's
// adds nothing; without it (CE's rule alone, routed to the controller as a
// drop-in for the gateway) CE's steps as before.
//
// Seen failing before: "CE's alert beside the generated one: 9 replicas
// (step_up), want 5 (duplicate)".
func TestCEAlertBesideTheGeneratedStepAlertStepsOnce(t *testing.T) {
	start := t0.Add(-time.Minute)
	ours := func(status AlertStatus) *Signal {
		return &Signal{Status: status, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep}
	}
	ce := func(status AlertStatus) *Signal {
		return &Signal{Status: status, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start}
	}
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE = exact; s.Max = 20 })
		name := map[bool]string{false: "step", true: "exact CE"}[exact]
		steps := map[bool][2]uint64{false: {5, 9}, true: {2, 3}} // after one step, after two (20 % of 20, or of CE's 5)
		var st State
		now := t0
		decide := func(cur uint64, sig *Signal) Decision {
			d := Decide(spec, withSignal(cur, sig), st, now)
			st = d.Next
			now = now.Add(10 * time.Second)
			return d
		}
		if d := decide(1, ours(Firing)); d.Replicas != steps[exact][0] {
			t.Fatalf("%s: control: the generated alert: %d replicas, want %d", name, d.Replicas, steps[exact][0])
		}
		cur := steps[exact][0]
		if d := decide(cur, ce(Firing)); d.Replicas != cur || d.Code != CodeDuplicate {
			t.Errorf("%s: CE's alert beside the generated one: %d replicas (%s), want %d (duplicate)", name, d.Replicas, d.Code, cur)
		}
		if d := decide(cur, ce(Resolved)); d.Replicas != cur || !d.Next.RampStart.IsZero() {
			t.Errorf("%s: CE's alert resolved while the generated one fires: %d replicas (%s, ramp from %s), want %d and no way down", name, d.Replicas, d.Code, d.Next.RampStart, cur)
		}
		// The generated alert repeats: a step, as before.
		now = now.Add(spec.StepDedup)
		if d := decide(cur, ours(Firing)); d.Replicas != steps[exact][1] {
			t.Errorf("%s: the generated alert's repeat: %d replicas, want %d", name, d.Replicas, steps[exact][1])
		}
		cur = steps[exact][1]
		decide(cur, ours(Resolved))
		// CE's rule alone from here: it steps, as the gateway's receiver did.
		if d := decide(cur, &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: now}); d.Replicas <= cur {
			t.Errorf("%s: CE's alert with the generated one resolved: %d replicas (%s), want a step above %d", name, d.Replicas, d.Code, cur)
		}
	}
}
