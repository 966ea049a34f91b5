package scaler

import (
	"testing"
	"time"
)

// TestGeneratedStepAlertLapseStepsDown: the generated step alert's route
// repeats a firing alert every 30 s (StepRuleEvidence is twice that). When
// its resolution never reaches Decide — send_resolved false on a receiver
// edited by hand, or the resolved alert cut by max_alerts — the repeats
// stop and nothing else comes: the function stayed at its stepped count
// for good. Its not being seen for StepRuleEvidence already ends it as
// "firing" for CE's alert beside it (stepRuleAt); it ends the step too:
// step mode takes its way down as after a resolve, exact CE drops to the
// floor.
//
// Seen failing before: "step: 10m after the generated alert was last seen
// (its resolution lost): 9 replicas (steady), want the way down to 1".
func TestGeneratedStepAlertLapseStepsDown(t *testing.T) {
	start := t0.Add(-time.Minute)
	ours := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep, Repeats: true}
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE = exact; s.Max = 20 })
		name := map[bool]string{false: "step", true: "exact CE"}[exact]
		d := Decide(spec, withSignal(1, ours), State{}, t0)
		st, cur := d.Next, d.Replicas
		// One repeat, 30 s later: it steps again (CE's semantics).
		d = Decide(spec, withSignal(cur, ours), st, t0.Add(StepRuleEvidence/2))
		st, cur = d.Next, d.Replicas
		if cur <= 2 {
			t.Fatalf("%s: control: a repeat 30s later: %d replicas, want a second step", name, cur)
		}
		stepped := cur
		// Then nothing: ticks every 5 s with no signal for 12 minutes.
		end := t0.Add(12 * time.Minute)
		for now := t0.Add(StepRuleEvidence/2 + 5*time.Second); !now.After(end); now = now.Add(5 * time.Second) {
			d = Decide(spec, withSignal(cur, nil), st, now)
			st, cur = d.Next, d.Replicas
			if cur > stepped {
				t.Fatalf("%s: %v: %d replicas with no alert, above the stepped %d", name, now.Sub(t0), cur, stepped)
			}
			if now.Sub(t0) < StepRuleEvidence && cur != stepped {
				t.Fatalf("%s: %v: %d replicas before the evidence window ended, want %d kept", name, now.Sub(t0), cur, stepped)
			}
		}
		if cur != 1 {
			t.Errorf("%s: 12m after the generated alert was last seen (its resolution lost): %d replicas (%s), want the way down to 1", name, cur, d.Code)
		}
	}
}

// TestOtherAlertLapseKeepsTheStep: an alert without a scaling_type
// (OpenFaaS CE's APIHighInvocationRate) comes on a route whose
// repeat_interval the controller does not know (AlertManager's default is
// 4h), so its silence says nothing: the step is kept until its resolution,
// as CE's gateway keeps it.
func TestOtherAlertLapseKeepsTheStep(t *testing.T) {
	ce := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: t0.Add(-time.Minute)}
	spec := stepSpec(func(s *Spec) { s.Max = 20 })
	d := Decide(spec, withSignal(1, ce), State{}, t0)
	st, cur := d.Next, d.Replicas
	for now := t0.Add(5 * time.Second); now.Before(t0.Add(30 * time.Minute)); now = now.Add(5 * time.Second) {
		d = Decide(spec, withSignal(cur, nil), st, now)
		st, cur = d.Next, d.Replicas
	}
	if cur != 5 {
		t.Errorf("30m after CE's alert stepped, with no delivery since: %d replicas (%s), want 5 kept", cur, d.Code)
	}
}

// TestGeneratedStepAlertFromGrafanaKeepsItsStep: Grafana's own
// notifications (no group key: Signal.Repeats false) repeat a firing alert
// every 4h by default, so their silence says nothing; the step is kept
// until the resolution (review 52J: a Grafana step rule still firing was
// stepped down after a minute).
func TestGeneratedStepAlertFromGrafanaKeepsItsStep(t *testing.T) {
	g := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: t0.Add(-time.Minute), ScalingType: TypeStep}
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE = exact; s.Max = 20 })
		d := Decide(spec, withSignal(1, g), State{}, t0)
		st, cur := d.Next, d.Replicas
		stepped := cur
		for now := t0.Add(5 * time.Second); now.Before(t0.Add(30 * time.Minute)); now = now.Add(5 * time.Second) {
			d = Decide(spec, withSignal(cur, nil), st, now)
			st, cur = d.Next, d.Replicas
		}
		if cur != stepped {
			t.Errorf("exact %v: 30m after Grafana's step alert, with no delivery since: %d replicas (%s), want %d kept", exact, cur, d.Code, stepped)
		}
	}
}
