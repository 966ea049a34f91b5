package scaler

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// A drop to the floor that ends the way down (exact CE's on the generated
// alert's lapse, step mode's ramp end) and is not applied is decided again
// by outcome putting back what the decision ended. Not when the write lost
// to a raise made outside the controller since the decision looked (the
// actuator's "changed", finding the count above the one decided on: a
// kubectl scale, as raised_since is for the raises it wrote itself), nor
// when the function was deployed again ("gone"): the raise is the newer
// intent, and the new function never had the alert. These tests use the
// review53B env: its actuator runs a hook before the first drop's write.

// TestExactCELapseDropOvertakenByAnOutsideRaiseIsNotFoundAgain: exact CE
// drops to the floor when the generated step alert lapses (its resolution
// lost); an operator raises the function to 5 before the write, which
// finds 5 and is dropped as changed. The lapse was put back all the same,
// so the next pass found it again and took the raise to the floor.
func TestExactCELapseDropOvertakenByAnOutsideRaiseIsNotFoundAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, review53BLabels, time.Time{})
		e.wrap.before = func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the operator's raise: %v", err)
			}
		}
		e.tick(t)
		e.alert(t, Firing, time.Now().Add(-10*time.Second)) // the generated alert; its resolution never comes
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if !e.wrap.done || len(e.wrap.codes) < 2 || e.wrap.codes[1] != actuator.CodeChanged {
			t.Fatalf("setup: the lapse's drop was meant to find the raise (outcomes %v)", e.wrap.codes)
		}
		if got := e.prov.replicas(refA); got != 5 {
			last := e.last()
			t.Errorf("exact CE: the lapse's drop found an outside raise to 5 (outcomes %v), 5m of passes since: %d replicas (last record %s %q), want the raise's 5 kept",
				e.wrap.codes, got, last.Code, last.Reason)
		}
	})
}

// stepDownWindow0 is plain step mode whose resolution's drop is the ramp's
// end at once (down window 0): its write carries endedRamp.
var stepDownWindow0 = map[string]string{LabelType: TypeStep, LabelMax: "5", LabelFactor: "20", LabelMin: "1", LabelDownWindow: "0s"} // step 1

// TestStepRampEndOvertakenByAnOutsideRaiseIsNotPutBack: the write that
// ends step mode's ramp finds an operator's raise to 5 (changed). Put back
// (only raised_since kept it ended), the ramp asked for the floor again on
// the next pass and took the raise down.
func TestStepRampEndOvertakenByAnOutsideRaiseIsNotPutBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, stepDownWindow0, time.Time{})
		e.wrap.before = func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the operator's raise: %v", err)
			}
		}
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		time.Sleep(20 * time.Second)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 5 || len(e.wrap.codes) < 2 || e.wrap.codes[1] != actuator.CodeChanged {
			t.Fatalf("setup: the ramp's end was meant to find the raise: %d replicas (outcomes %v)", got, e.wrap.codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 5 {
			last := e.last()
			t.Errorf("step mode: the ramp's last write found an outside raise to 5 (outcomes %v), 5m of passes since: %d replicas (last record %s %q), want the raise's 5 kept",
				e.wrap.codes, got, last.Code, last.Reason)
		}
	})
}

// TestStepRampEndNotWrittenToAFunctionDeployedAgainIsNotPutBack: the write
// that ends step mode's ramp finds the function deployed again (gone: not
// written). Put back, the ramp took the new function, which never had the
// alert, to its floor on the next pass. The new function is first seen
// by that pass (redeployedLocked), its state made afresh: kept at its 3,
// it steps down only as any function found above its floor with no alert
// does (State.StepFoundAt), one down window (0 s here) later.
func TestStepRampEndNotWrittenToAFunctionDeployedAgainIsNotPutBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, stepDownWindow0, time.Now().Add(-time.Hour))
		e.wrap.before = func() {
			if err := e.prov.Remove(refA); err != nil {
				t.Errorf("remove: %v", err)
			}
			fresh := function(refA, 3, stepDownWindow0)
			fresh.CreatedAt = time.Now()
			if err := e.prov.Deploy(fresh); err != nil {
				t.Errorf("deploy: %v", err)
			}
		}
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		time.Sleep(20 * time.Second)
		e.alert(t, Resolved, started)
		if n := len(e.wrap.codes); n == 0 || e.wrap.codes[n-1] != actuator.CodeGone {
			t.Fatalf("setup: the ramp's end was meant to find the function deployed again (outcomes %v)", e.wrap.codes)
		}
		time.Sleep(10 * time.Second)
		e.tick(t)
		f, _ := e.loop.Explain(refA)
		if got := e.prov.replicas(refA); got != 3 || len(f.Decisions) != 1 || !strings.Contains(f.Decisions[0].Reason, "found at 3 with no firing alert") {
			t.Errorf("step mode: the old function's ramp end not written (gone: deployed again), the next pass: the new function has %d replicas (decisions %+v), want its 3 kept, found as first seen",
				got, f.Decisions)
		}
	})
}

// TestExactCELapseDropNotWrittenToAFunctionDeployedAgainIsNotFoundAgain:
// the lapse's drop finds the function deployed again (gone: not written).
// Put back, the lapse was found again and took the new function, which
// never had the alert, to its floor on the next pass.
func TestExactCELapseDropNotWrittenToAFunctionDeployedAgainIsNotFoundAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, review53BLabels, time.Now().Add(-time.Hour))
		e.wrap.before = func() {
			if err := e.prov.Remove(refA); err != nil {
				t.Errorf("remove: %v", err)
			}
			fresh := function(refA, 3, review53BLabels)
			fresh.CreatedAt = time.Now()
			if err := e.prov.Deploy(fresh); err != nil {
				t.Errorf("deploy: %v", err)
			}
		}
		e.tick(t)
		e.alert(t, Firing, time.Now().Add(-10*time.Second)) // the generated alert; its resolution never comes
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if len(e.wrap.codes) < 2 || e.wrap.codes[1] != actuator.CodeGone {
			t.Fatalf("setup: the lapse's drop was meant to find the function deployed again (outcomes %v)", e.wrap.codes)
		}
		if got := e.prov.replicas(refA); got != 3 {
			last := e.last()
			t.Errorf("exact CE: the old function's lapse drop not written (gone: deployed again), 5m of passes since: the new function has %d replicas (last record %s %q), want its 3 kept",
				got, last.Code, last.Reason)
		}
	})
}

// TestExactCEOwedDropHoldsForTheCountItWasDecidedOn: the owed drop is
// decided again on the count it was decided on (State.StepDropFrom) or
// below; above it, the function was raised since and is kept, owing
// nothing. A state kept before StepDropFrom was (0: not known) owes the
// drop as it did.
func TestExactCEOwedDropHoldsForTheCountItWasDecidedOn(t *testing.T) {
	spec, err := ParseSpec(function(refA, 1, review53BLabels), testDefaults())
	if err != nil {
		t.Fatal(err)
	}
	owed := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	at := owed.Add(30 * time.Second)
	for _, c := range []struct {
		cur, from, want, wantFrom uint64
		words                     string
	}{
		{5, 3, 5, 0, "exact CE: raised to 5 since the drop owed from 3 (alert resolved at 10:00:00): keep 5"},
		{3, 3, 1, 3, "exact CE: alert resolved at 10:00:00, its drop not applied yet → min 1 → 1"},
		{2, 3, 1, 2, "exact CE: alert resolved at 10:00:00, its drop not applied yet → min 1 → 1"},
		{5, 0, 1, 5, "exact CE: alert resolved at 10:00:00, its drop not applied yet → min 1 → 1"},
		{1, 3, 1, 0, "exact CE: drop owed since 10:00:00 found done: at the floor 1 (min 1), keep 1"},
	} {
		d := Decide(spec, Observation{Replicas: c.cur, Available: c.cur}, State{StepDropOwed: owed, StepDropFrom: c.from}, at)
		owes := !d.dropOwed.IsZero()
		if d.Replicas != c.want || d.Reason != c.words || owes != (c.want < c.cur) || d.dropFrom != c.wantFrom || !d.Next.StepDropOwed.IsZero() || d.Next.StepDropFrom != 0 {
			t.Errorf("drop owed from %d, found at %d: %d %s (%q), owes %v from %d, next owed %v from %d; want %d (%q), owed from %d only while it drops, and only through outcome",
				c.from, c.cur, d.Replicas, d.Code, d.Reason, owes, d.dropFrom, d.Next.StepDropOwed, d.Next.StepDropFrom, c.want, c.words, c.wantFrom)
		}
	}
}
