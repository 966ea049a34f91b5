package scaler

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// review53BBefore runs before (once) on the first drop it is handed, then
// hands every intent on to the real actuator: something happens to the
// function between the scaler's decision and the actuator's write.
type review53BBefore struct {
	next   Actuator
	before func()
	done   bool
	codes  []actuator.Code
}

func (a *review53BBefore) Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	if !a.done && in.To < in.From && a.before != nil {
		a.done = true
		a.before()
	}
	a.next.Submit(ctx, in, func(o actuator.Outcome) {
		a.codes = append(a.codes, o.Code)
		done(o)
	})
}

type review53BEnv struct {
	*loopEnv
	wrap *review53BBefore
}

func newReview53BEnv(t *testing.T, labels map[string]string, created time.Time) *review53BEnv {
	t.Helper()
	fn := function(refA, 2, labels)
	fn.CreatedAt = created
	var w *review53BBefore
	e := newLoopEnv(t, func(c *LoopConfig) {
		c.Interval = time.Hour
		w = &review53BBefore{next: c.Actuator}
		c.Actuator = w
	}, fn)
	return &review53BEnv{loopEnv: e, wrap: w}
}

func (e *review53BEnv) alert(t *testing.T, status AlertStatus, startsAt time.Time) {
	t.Helper()
	sig := Signal{Ref: refA, Status: status, AlertName: "APIHighInvocationRate", ScalingType: TypeStep,
		Fingerprint: "f", StartsAt: startsAt, Received: time.Now(), Repeats: true}
	if err := e.loop.Notify(t.Context(), sig); err != nil {
		t.Fatal(err)
	}
	if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

func (e *review53BEnv) tick(t *testing.T) {
	t.Helper()
	if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

func (e *review53BEnv) last() Record {
	e.loop.mu.Lock()
	defer e.loop.mu.Unlock()
	h := e.loop.fns[refA].history
	return h[len(h)-1]
}

var review53BLabels = map[string]string{LabelType: TypeStep, LabelExactCE: "true", LabelMax: "5", LabelFactor: "20", LabelMin: "1"} // step 1

// TestReview53BExactCEDropOvertakenByAnOutsideRaiseIsNotOwed: the
// resolution's drop 3→1 is decided; before the actuator writes it, an
// operator raises the function to 5 outside the controller (kubectl scale,
// faas-cli). The conditional write finds 5 and the actuator drops the
// intent as "changed" ("decided on 3, but it has 5 now: re-decided on
// fresh data"), not raised_since (that code is only for a raise the
// actuator itself wrote). outcome owes the drop for every code but
// raised_since, so the next pass takes the operator's newer raise back to
// the floor: the very case commit 83a27b4 says must not happen ("a raise
// landed after the decision is the newer intent";
// TestResolvedDropOvertakenByARaiseIsNotOwed covers only raised_since).
func TestReview53BExactCEDropOvertakenByAnOutsideRaiseIsNotOwed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, review53BLabels, time.Time{})
		e.wrap.before = func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the operator's raise: %v", err)
			}
		}
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		e.alert(t, Resolved, started)
		if !e.wrap.done {
			t.Fatal("setup: no drop was proposed on the resolution")
		}
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("setup: the drop was meant to find the raise: %d replicas (codes %v)", got, e.wrap.codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 5 {
			last := e.last()
			t.Errorf("exact CE: the resolution's drop found an outside raise to 5 (outcomes %v), 5m of passes since: %d replicas (last record %s %q), want the raise's 5 kept",
				e.wrap.codes, got, last.Code, last.Reason)
		}
	})
}

// TestReview53BExactCEOwedDropKeepsARaiseMadeSince: the resolution's drop
// 3→1 fails once (a 5xx). The operator, seeing 3 replicas under load,
// raises the function to 5. The owed drop is then decided again on a pass
// that finds 5 and takes it to the floor: a resolution that came before
// the raise undoes it, which no order of the real events gives (the drop
// landed first, the raise after, exact CE keeps 5: "without an alert it
// holds and clamps nothing, as CE did"). The owed drop should hold only
// for the count it was decided on, not a raise made since.
func TestReview53BExactCEOwedDropKeepsARaiseMadeSince(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newReview53BEnv(t, review53BLabels, time.Time{})
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		e.prov.FailScale(refA, 1, errDown)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: the drop was meant to fail: %d replicas", got)
		}
		time.Sleep(time.Second)
		if err := e.prov.Scale(context.Background(), refA, 5); err != nil { // the operator, after the failure
			t.Fatal(err)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 5 {
			last := e.last()
			t.Errorf("exact CE: drop owed from 3, raised to 5 by hand since, 5m of passes later: %d replicas (last record %s %q), want the raise's 5 kept",
				got, last.Code, last.Reason)
		}
	})
}

// TestReview53BOwedDropIsNotHeldAgainstAFunctionDeployedAgain: the
// resolution's drop is decided for "a"; before it is written "a" is deleted
// and deployed again (at 3). The actuator does not write it ("deployed
// again ... after the listing this was decided on: not written", code
// gone): the intent was for another function, as the actuator's Created
// check exists to say (a function deployed again is not held to its
// predecessor's refusals). outcome owes the drop anyway, and the next pass
// drops the new function, which no alert was ever received for, to its
// floor.
func TestReview53BOwedDropIsNotHeldAgainstAFunctionDeployedAgain(t *testing.T) {
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
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		e.alert(t, Resolved, started)
		if !e.wrap.done || len(e.wrap.codes) == 0 || e.wrap.codes[len(e.wrap.codes)-1] != actuator.CodeGone {
			t.Fatalf("setup: the drop was meant to find the function deployed again (outcomes %v)", e.wrap.codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 3 {
			last := e.last()
			t.Errorf("exact CE: the old function's drop not written (gone: deployed again), 5m of passes since: the new function has %d replicas (last record %s %q), want its 3 kept",
				got, last.Code, last.Reason)
		}
	})
}

// TestReview53BOwedDropFoundAtTheFloorIsNotWordedAsNotApplied: a drop owed
// (State.StepDropOwed) whose function is found at the floor "landed (or
// another write took it there) and nothing is owed any more" (owedDrop's
// comment): a write that timed out after landing, or a second copy of the
// resolution whose drop superseded the first and landed. The decision is
// steady, yet its reason tells the operator the drop is "not applied yet".
func TestReview53BOwedDropFoundAtTheFloorIsNotWordedAsNotApplied(t *testing.T) {
	spec, err := ParseSpec(function(refA, 1, review53BLabels), testDefaults())
	if err != nil {
		t.Fatal(err)
	}
	owed := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	d := Decide(spec, Observation{Replicas: 1, Available: 1}, State{StepDropOwed: owed}, owed.Add(30*time.Second))
	if d.Scale || d.Replicas != 1 {
		t.Fatalf("setup: at the floor: %+v", d)
	}
	if strings.Contains(d.Reason, "not applied") {
		t.Errorf("owed drop found at the floor (1 of min 1): code %s, reason %q; want words that do not say the drop is not applied", d.Code, d.Reason)
	}
}
