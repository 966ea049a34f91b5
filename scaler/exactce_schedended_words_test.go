package scaler

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestExactCEDropHeldByAScheduleIsWordedAsTheScheduleEnded: the resolution
// at 4 under a scheduled minimum of 3 lands 4→3 and its drop to min 1 stays
// owed until the schedule ends (oweHeldDrop). Every write landed; what held
// the function at 3 was the schedule. The pass that drops it once the
// schedule has ended must say so to the operator reading the explain API,
// not that the drop was "not applied yet", which reads as a failed write.
func TestExactCEDropHeldByAScheduleIsWordedAsTheScheduleEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newSchedHeldEnv(t, 3, nil)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: the resolution under the scheduled min of 3 was meant to land 3: %d replicas (outcomes %v)", got, e.rec.all())
		}
		if held := e.lastRecord(); !strings.Contains(held.Reason, "owed until it ends") {
			t.Fatalf("setup: the resolution's record was meant to owe the drop until the schedule ends: %s %q", held.Code, held.Reason)
		}
		var drop Record
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
			if r := e.lastRecord(); r.Current == 3 && r.Replicas == 1 {
				drop = r
				break
			}
		}
		if drop.Code == "" {
			t.Fatalf("setup: no pass dropped 3→1 once the schedule ended (%d replicas, last record %q)", e.prov.replicas(refA), e.lastRecord().Reason)
		}
		if strings.Contains(drop.Reason, "not applied") || !strings.Contains(drop.Reason, "schedule") {
			t.Errorf("exact CE: drop held by a scheduled min of 3, every write landed, the schedule ended: the drop's record says %s %q; want words that name the ended schedule, not a drop not applied",
				drop.Code, drop.Reason)
		}
		if got := e.prov.replicas(refA); got != 1 {
			t.Errorf("exact CE: after the schedule ended: %d replicas, want the floor 1", got)
		}
	})
}

// TestExactCEOwedDropWordsSayWhatHeldIt: Decide's words for a drop owed
// (State.StepDropOwed) found above its floor name what kept it: a
// scheduled minimum that held it (StepDropHeld) and has ended or fallen,
// or else a write not applied (the outcome owed it).
func TestExactCEOwedDropWordsSayWhatHeldIt(t *testing.T) {
	spec, err := ParseSpec(function(refA, 3, review53BLabels), testDefaults())
	if err != nil {
		t.Fatal(err)
	}
	owed := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		held     bool
		schedMin uint64
		want     uint64
		words    string
		nextHeld bool
	}{
		{true, 0, 1, "exact CE: alert resolved at 10:00:00, its drop held by a scheduled min that has ended → min 1 → 1", false},
		{true, 2, 2, "exact CE: alert resolved at 10:00:00, its drop held by a scheduled min that has fallen → scheduled min 2 (evenings) → 2", true},
		{false, 0, 1, "exact CE: alert resolved at 10:00:00, its drop not applied yet → min 1 → 1", false},
	} {
		obs := Observation{Replicas: 3, Available: 3, ScheduledMin: c.schedMin}
		if c.schedMin > 0 {
			obs.ScheduledMinReason = "evenings"
		}
		st := State{StepDropOwed: owed, StepDropFrom: 3, StepDropHeld: c.held}
		d := Decide(spec, obs, st, owed.Add(5*time.Minute))
		if d.Replicas != c.want || d.Reason != c.words || d.Next.StepDropHeld != c.nextHeld {
			t.Errorf("drop owed from 3 (held by a schedule: %v), scheduled min now %d: %d %s %q, next held %v; want %d %q, next held %v",
				c.held, c.schedMin, d.Replicas, d.Code, d.Reason, d.Next.StepDropHeld, c.want, c.words, c.nextHeld)
		}
	}
}
