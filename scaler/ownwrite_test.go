package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// The loop's own earlier write, met by exact CE's resolution drop decided
// on a read that had not seen it, is no newer intent (ownwrite.go); a
// raise by someone else on top of it still is. These tests decide the
// drop on a lagging read of 2 after the loop's step 2→3 landed, and raise
// the function to 5 outside the loop before the drop is written.

// TestExactCEDropOnALaggingReadKeepsARaiseAboveTheLoopsOwn: the drop's
// conditional write meets 5 (changed): above the 3 the loop wrote, so
// someone raised it since, and nothing is owed.
func TestExactCEDropOnALaggingReadKeepsARaiseAboveTheLoopsOwn(t *testing.T) {
	testLaggingDropMeetsAForeignRaise(t, func(e *review53GEnv, next Actuator) Actuator {
		return &review53BBefore{next: next, before: func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the operator's raise: %v", err)
			}
		}}
	})
}

// TestExactCEDropOnALaggingReadAnsweredRaisedSinceKeepsARaiseAboveTheLoopsOwn:
// the actuator answers raised_since, which names no count: the drop is
// owed from the 3 the loop wrote, and the next pass, finding 5 above it,
// keeps the raise.
func TestExactCEDropOnALaggingReadAnsweredRaisedSinceKeepsARaiseAboveTheLoopsOwn(t *testing.T) {
	testLaggingDropMeetsAForeignRaise(t, func(e *review53GEnv, next Actuator) Actuator {
		ra := &raisingActuator{next: next}
		ra.raise = func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the other component's raise: %v", err)
			}
		}
		return ra
	})
}

func testLaggingDropMeetsAForeignRaise(t *testing.T, wrap func(e *review53GEnv, next Actuator) Actuator) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		e := newReview53GEnv(t, review53BLabels, 2)
		// The wrapper acts on the first drop only: the step up goes through.
		e.rec.next = wrap(e, e.rec.next)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		e.lag.setStale(refA, 2, true)
		time.Sleep(2 * time.Second)
		e.alert(t, Resolved, started)
		e.lag.setStale(refA, 0, false)
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("setup: the drop was meant to meet the raise to 5: %d replicas (outcomes %v)", got, e.rec.all())
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != 5 {
			last := e.lastRecord()
			t.Errorf("exact CE: the drop decided on a lagging 2 met a raise to 5 above the loop's own 3 (outcomes %v), 5m of passes since: %d replicas (last record %s %q), want the raise's 5 kept",
				e.rec.all(), got, last.Code, last.Reason)
		}
	})
}
