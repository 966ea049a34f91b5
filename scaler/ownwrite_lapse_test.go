package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// The drop that ends a step (exact CE's on the generated alert's lapse,
// step mode's ramp end) is decided again when it was not applied, but not
// when it lost to a newer raise (overtaken_drop_test.go). A "raise" that
// is the loop's own step, which the drop's read had not seen yet (a
// lagging informer cache), is older than the drop's reason: it is no newer
// intent, as for the resolution's drop (ownwrite_test.go). These tests
// step 2→3 (applied), then decide the drop on a read still showing 2.

// TestExactCELapseOnALaggingReadMeetingItsOwnStepIsFoundAgain: the
// generated alert stops repeating (its resolution lost); the lapse is
// decided on a read of 2 and its drop 2→1 meets the loop's own 3
// (changed). Taken for an outside raise, the lapse was dropped for good
// and the function stayed at 3 with its alert gone.
//
// Seen failing before the fix: "exact CE: the generated alert lapsed, its
// drop decided on a read that lagged the loop's step 2→3 (outcomes
// [applied changed]), 5m of passes since: 3 replicas (last record steady
// ""), want the floor 1".
func TestExactCELapseOnALaggingReadMeetingItsOwnStepIsFoundAgain(t *testing.T) {
	testLapseOnALaggingRead(t, review53BLabels, "exact CE", nil, 1)
}

// TestExactCELapseOnALaggingReadKeepsARaiseAboveTheLoopsOwn: as above,
// but an operator raised the function to 5 before the drop's write, which
// meets 5 (changed): above the loop's own 3, a newer intent, kept.
func TestExactCELapseOnALaggingReadKeepsARaiseAboveTheLoopsOwn(t *testing.T) {
	testLapseOnALaggingRead(t, review53BLabels, "exact CE", raiseTo5, 5)
}

// TestStepRampEndOnALaggingReadMeetingItsOwnStepIsPutBack: step mode with
// a down window of 0 ends its ramp at once on the lapse; the ramp end's
// drop 2→1, decided on a read of 2, meets the loop's own 3 (changed). Not
// put back, nothing asked for the floor again (the step taken in this
// term keeps StepFoundAt from taking over): the function stayed at 3.
//
// Seen failing before the fix: "step mode: the generated alert lapsed,
// its drop decided on a read that lagged the loop's step 2→3 (outcomes
// [applied changed]), 5m of passes since: 3 replicas (last record steady
// ""), want the floor 1".
func TestStepRampEndOnALaggingReadMeetingItsOwnStepIsPutBack(t *testing.T) {
	testLapseOnALaggingRead(t, stepDownWindow0, "step mode", nil, 1)
}

// TestStepRampEndOnALaggingReadKeepsARaiseAboveTheLoopsOwn: the ramp
// end's drop meets an operator's 5, above the loop's own 3: kept.
func TestStepRampEndOnALaggingReadKeepsARaiseAboveTheLoopsOwn(t *testing.T) {
	testLapseOnALaggingRead(t, stepDownWindow0, "step mode", raiseTo5, 5)
}

// raiseTo5 is an operator's kubectl scale to 5, run before the first drop
// is written.
func raiseTo5(t *testing.T, e *review53GEnv) func() {
	return func() {
		if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
			t.Errorf("the operator's raise: %v", err)
		}
	}
}

func testLapseOnALaggingRead(t *testing.T, labels map[string]string, mode string, raise func(*testing.T, *review53GEnv) func(), want uint64) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		e := newReview53GEnv(t, labels, 2)
		if raise != nil {
			e.rec.next = &review53BBefore{next: e.rec.next, before: raise(t, e)}
		}
		e.tick(t)
		e.alert(t, Firing, time.Now().Add(-10*time.Second)) // the generated alert; its resolution never comes
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		e.lag.setStale(refA, 2, true) // the cache has not seen the step yet
		time.Sleep(StepRuleEvidence + 5*time.Second)
		e.tick(t) // the lapse, on a read of 2
		e.lag.setStale(refA, 0, false)
		codes := e.rec.all()
		if len(codes) != 2 || codes[1] != actuator.CodeChanged {
			t.Fatalf("setup: the lapse's drop was meant to meet the count above the read (outcomes %v)", codes)
		}
		for range 30 {
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		if got := e.prov.replicas(refA); got != want {
			last := e.lastRecord()
			t.Errorf("%s: the generated alert lapsed, its drop decided on a read that lagged the loop's step 2→3 (outcomes %v), 5m of passes since: %d replicas (last record %s %q), want %d",
				mode, e.rec.all(), got, last.Code, last.Reason, want)
		}
	})
}
