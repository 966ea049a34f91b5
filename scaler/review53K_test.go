package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestReview53KExactCELapseHeldByAScheduledMinStaysOwedUntilItEnds: doc.go
// says "exact CE's drop held by an active scheduled minimum stays owed
// until it ends", and a lapse of the generated step alert is exact CE's
// drop to the floor (its resolution taken as lost: step_rule_lapse_test).
// The generated alert steps a function from 1 to 3 and stops repeating
// while a scheduled minimum of 2 is active: the lapse drops it to 2 (held
// by the schedule). The schedule ends a minute later; with no alert and no
// resolution ever coming, the function should go to its floor of 1. It
// stays at 2 for good: the lapse, seen on one pass only, owes nothing
// (decideExactCE's lapse case sets no StepDropOwed), unlike a resolution
// received under the same schedule.
func TestReview53KExactCELapseHeldByAScheduledMinStaysOwedUntilItEnds(t *testing.T) {
	start := t0.Add(-time.Minute)
	ours := &Signal{Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep, Repeats: true}
	spec := stepSpec(func(s *Spec) { s.ExactCE = true; s.Max = 20; s.Min = 1 })
	d := Decide(spec, withSignal(1, ours), State{}, t0)
	st, cur := d.Next, d.Replicas
	d = Decide(spec, withSignal(cur, ours), st, t0.Add(StepRuleEvidence/2))
	st, cur = d.Next, d.Replicas
	if cur < 3 {
		t.Fatalf("setup: two steps: %d replicas, want 3 or more", cur)
	}
	schedEnd := t0.Add(3 * time.Minute)
	var lapsedAt uint64
	for now := t0.Add(StepRuleEvidence/2 + 5*time.Second); !now.After(t0.Add(15 * time.Minute)); now = now.Add(5 * time.Second) {
		obs := withSignal(cur, nil)
		if now.Before(schedEnd) {
			obs.ScheduledMin, obs.ScheduledMinReason = 2, "0 9 * * * for 3m = 2"
		}
		d = Decide(spec, obs, st, now)
		if d.lapsed {
			lapsedAt = d.Replicas
		}
		st, cur = d.Next, d.Replicas // every write lands
	}
	if lapsedAt != 2 {
		t.Fatalf("setup: the lapse under the scheduled min of 2: %d replicas, want 2", lapsedAt)
	}
	if cur != 1 {
		t.Errorf("exact CE: the generated alert lapsed under a scheduled min of 2 (dropped to 2), the schedule ended 12m ago: %d replicas (%s %q), want the floor 1 (the drop held by the schedule owed until it ends)", cur, d.Code, d.Reason)
	}
}

// TestReview53KExactCEDropHeldByAScheduledMinKeepsAHandRaiseMadeAfterTheDropWasReadLanded:
// the function at 4 steps to 5 on a firing alert; its resolution under a
// scheduled minimum of 3 lands 5→3 and stays owed (from 5, the count
// decided on, so that a read lagging the write is no raise). Passes then
// read 3: the write is seen landed. Only then an operator raises the
// function to 4 by hand. That raise is the newer intent (owedDrop: "the
// raise is kept"; exact CE holds without an alert), as a raise to 6 is
// (TestExactCEDropHeldByAScheduledMinKeepsARaiseAboveItsCount), yet once
// the schedule ends the debt, still owed from 5, takes the function to 1:
// a count read at 3 and found at 4 since is a raise, whatever the count
// before the drop was.
func TestReview53KExactCEDropHeldByAScheduledMinKeepsAHandRaiseMadeAfterTheDropWasReadLanded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newSchedHeldEnv(t, 4, nil)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 5", got)
		}
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: the resolution under the scheduled min of 3 was meant to land 3: %d replicas (outcomes %v)", got, e.rec.all())
		}
		for range 3 { // passes that read the 3 landed
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if err := e.prov.Scale(t.Context(), refA, 4); err != nil {
			t.Fatal(err)
		}
		e.passes(t)
		if got := e.prov.replicas(refA); got != 4 {
			last := e.lastRecord()
			t.Errorf("exact CE: resolved at 5 under a scheduled min of 3 (landed 3, read 3 on three passes), raised to 4 by hand, 5m of passes: %d replicas (last record %s %q), want the raise's 4 kept",
				got, last.Code, last.Reason)
		}
	})
}
