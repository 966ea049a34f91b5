package scaler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestExactCEResolvedDropNotAppliedIsTriedAgain: exact CE answers a
// received resolution with a drop to the floor, on the one pass of that
// notification; AlertManager does not send a resolution answered 200 again,
// and exact CE keeps no ramp. When that drop was not applied (a provider's
// 5xx), the function stayed at its stepped count for good ("exact CE, no
// alert: keep 3"). Like the lapse's drop (TestReview52JExactCELapseSurvivesAFailedWrite),
// a later pass tries it again, for the generated step alert's resolution
// and for CE's own alert's alike. The resolution is not resurrected as a
// firing for that (TestReview52QResolvedStepAlertWhoseDropFailedDoesNotSilenceCEAlert).
//
// Seen failing before: "exact CE, generated step alert resolved (received),
// its drop to the floor failed once, 5m0s of passes since: 3 replicas (last
// record steady ""), want the floor 1", the same for CE's alert, and "...
// its drop to the floor was refused once, 1h30m0s of passes since: 3
// replicas ...".
func TestExactCEResolvedDropNotAppliedIsTriedAgain(t *testing.T) {
	refused := &provider.RefusedError{Ref: refA, Replicas: 1, Message: "quota"}
	for _, c := range []struct {
		scalingType string
		err         error
		every       time.Duration // passes, for 30 of them: past the actuator's back-off for err
	}{
		{TypeStep, errDown, 10 * time.Second},
		{"", errDown, 10 * time.Second},
		// A count the provider refused is not asked for again within
		// actuator.Config.RefusedBackoff (1h): the owed drop waits it out.
		{TypeStep, refused, 3 * time.Minute},
	} {
		scalingType := c.scalingType
		name := map[string]string{TypeStep: "generated step alert", "": "CE's alert"}[scalingType]
		failure := map[bool]string{true: "failed", false: "was refused"}[c.err == errDown]
		t.Run(name+" "+failure, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				labels := map[string]string{LabelType: TypeStep, LabelExactCE: "true", LabelMax: "5", LabelFactor: "20", LabelMin: "1"} // step 1
				e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
				alert := func(status AlertStatus, startsAt time.Time) {
					t.Helper()
					sig := Signal{Ref: refA, Status: status, AlertName: "APIHighInvocationRate", ScalingType: scalingType,
						Fingerprint: "f", StartsAt: startsAt, Received: time.Now(), Repeats: true}
					if err := e.loop.Notify(t.Context(), sig); err != nil {
						t.Fatal(err)
					}
					if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				tick := func() {
					t.Helper()
					if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				tick()
				started := time.Now().Add(-10 * time.Second)
				alert(Firing, started)
				if got := e.prov.replicas(refA); got != 3 {
					t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
				}
				time.Sleep(20 * time.Second)
				e.prov.FailScale(refA, 1, c.err) // the resolution's drop is not applied, once
				alert(Resolved, started)
				if got := e.prov.replicas(refA); got != 3 {
					t.Fatalf("setup: the drop on the resolution was meant to fail: %d replicas", got)
				}
				// No alert since: passes, and no write is left to the
				// resolution's notification, which is not sent again.
				for range 30 {
					time.Sleep(c.every)
					tick()
				}
				if got := e.prov.replicas(refA); got != 1 {
					e.loop.mu.Lock()
					h := e.loop.fns[refA].history
					last := h[len(h)-1]
					e.loop.mu.Unlock()
					t.Errorf("exact CE, %s resolved (received), its drop to the floor %s once, %v of passes since: %d replicas (last record %s %q), want the floor 1",
						name, failure, 30*c.every, got, last.Code, last.Reason)
				}
			})
		})
	}
}

// TestExactCEOwedDropEndsWithTheCondition: a drop owed (State.StepDropOwed)
// is decided again on a pass without a signal, and owed again only through
// the loop's outcome (a decision that asks for it carries dropOwed). A
// firing acted on or the generated step alert firing beside CE's ends it:
// the condition is back, and dropping then took a loaded function to its
// floor. A signal that adds nothing (a late copy of the firing stepped on,
// an earlier instance's resolution) leaves it owed for the next pass. Found
// at the floor, or in another mode, nothing is owed.
func TestExactCEOwedDropEndsWithTheCondition(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.ExactCE, s.Max, s.Factor, s.Min = true, 5, 20, 1 }) // step 1
	started := t0.Add(-time.Minute)
	fired := Decide(spec, withSignal(2, firing("f", started)), State{}, t0)
	if fired.Replicas != 3 {
		t.Fatalf("setup: firing at 2: %d (%s)", fired.Replicas, fired.Code)
	}
	res := Decide(spec, withSignal(3, resolved("f", started)), fired.Next, t0.Add(20*time.Second))
	if res.Replicas != 1 || !res.dropOwed.Equal(t0.Add(20*time.Second)) || !res.Next.StepDropOwed.IsZero() {
		t.Fatalf("resolution at 3: %d %s, dropOwed %v, next owed %v; want 1, owed at the resolution only if not applied (outcome)",
			res.Replicas, res.Code, res.dropOwed, res.Next.StepDropOwed)
	}
	owes := res.Next
	owes.StepDropOwed = res.dropOwed // as outcome leaves it when the drop was not applied
	at := t0.Add(30 * time.Second)

	d := Decide(spec, withSignal(3, nil), owes, at)
	if d.Replicas != 1 || d.Code != CodeStepDown || !d.dropOwed.Equal(owes.StepDropOwed) || !d.Next.StepDropOwed.IsZero() {
		t.Errorf("pass without a signal, drop owed: %d %s (%q), dropOwed %v, next owed %v; want 1 step_down, owed again only through outcome",
			d.Replicas, d.Code, d.Reason, d.dropOwed, d.Next.StepDropOwed)
	}
	if d := Decide(spec, withSignal(1, nil), owes, at); d.Replicas != 1 || d.Code != CodeSteady || !d.dropOwed.IsZero() || !d.Next.StepDropOwed.IsZero() {
		t.Errorf("pass at the floor, drop owed: %d %s, dropOwed %v, next owed %v; want kept, nothing owed", d.Replicas, d.Code, d.dropOwed, d.Next.StepDropOwed)
	}
	if d := Decide(spec, withSignal(3, firing("g", at.Add(-5*time.Second))), owes, at); d.Replicas != 4 || !d.Next.StepDropOwed.IsZero() {
		t.Errorf("another firing alert, drop owed: %d %s, next owed %v; want a step to 4, nothing owed", d.Replicas, d.Code, d.Next.StepDropOwed)
	}
	beside := owes
	beside.StepRuleAt, beside.StepRuleRepeats = at.Add(-5*time.Second), true // the generated alert seen firing since
	if d := Decide(spec, withSignal(3, firing("ce", started)), beside, at); d.Code != CodeDuplicate || !d.Next.StepDropOwed.IsZero() {
		t.Errorf("CE's alert beside the generated one firing, drop owed: %s, next owed %v; want a duplicate, nothing owed", d.Code, d.Next.StepDropOwed)
	}
	late := *firing("f", started)
	if d := Decide(spec, withSignal(3, &late), owes, t0.Add(time.Second+spec.StepDedup/2)); d.Code != CodeDuplicate || !d.Next.StepDropOwed.Equal(owes.StepDropOwed) {
		t.Errorf("a late copy of the firing stepped on, drop owed: %s (%q), next owed %v; want a duplicate, still owed", d.Code, d.Reason, d.Next.StepDropOwed)
	}
	if d := Decide(spec, withSignal(3, resolved("f", started.Add(-time.Hour))), owes, at); d.Replicas != 3 || !d.Next.StepDropOwed.Equal(owes.StepDropOwed) {
		t.Errorf("an earlier instance's resolution, drop owed: %d %s, next owed %v; want kept, still owed", d.Replicas, d.Code, d.Next.StepDropOwed)
	}
	plain := spec
	plain.ExactCE = false
	if d := Decide(plain, withSignal(3, nil), owes, at); !d.Next.StepDropOwed.IsZero() {
		t.Errorf("labels back to plain step mode, drop owed: next owed %v; want nothing owed", d.Next.StepDropOwed)
	}
}
