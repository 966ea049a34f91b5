package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// A firing alert's load is used only on the notification that first brings
// its instance (State.AlertLoadKey). When the scale that load asked for is
// not applied (the provider's write failed), outcome() undoes LastScale and
// StepKey "so the next evaluation (or AlertManager's retry of the same
// alert) can take them again" -- but not AlertLoadKey. The alert's next
// notification (AlertManager's repeat, 30 s later with the generated route)
// is then taken for a repeat of evidence already acted on, and its load is
// ignored: the scale-up it asks for is never made while the source's own
// burst reading lags.
func TestFailedScaleKeepsAlertLoadFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 50 × 0.9 = 45 per replica
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 40)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 80) // 2 replicas are enough for the source
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 2 {
			t.Fatalf("setup: %d replicas, want 2", got)
		}

		startsAt := time.Now().Add(-5 * time.Second)
		alert := func() Signal {
			return Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
				Fingerprint: "fp", StartsAt: startsAt, Received: time.Now(), Load: ptr(400)}
		}
		// The first notification: 400/s → 9 replicas, but the write fails.
		e.prov.FailScale(refA, 1, errDown)
		if err := e.loop.Notify(t.Context(), alert()); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 2 {
			t.Fatalf("setup: the failed write left %d replicas, want 2", got)
		}
		if calls := e.prov.takeCalls(); len(calls) != 1 || calls[0].Replicas != 9 {
			t.Fatalf("setup: writes %v, want one (failed) write of 9", calls)
		}

		// AlertManager's repeat of the same instance, the alert still firing
		// with the same load, after the actuator's back-off.
		time.Sleep(30 * time.Second)
		if err := e.loop.Notify(t.Context(), alert()); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 9 {
			t.Logf("writes after the repeat: %v", e.prov.takeCalls())
			t.Errorf("the alert's load (400/s) was never applied: the write failed, and its next notification was ignored as a repeat: %d replicas, want 9", got)
		}
	})
}
