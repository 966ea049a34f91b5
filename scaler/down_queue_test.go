package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// Signal.Down says a scale-down alert is only a trigger: Decide drops it.
// queueLocked still lets any firing signal replace the one queued, so a
// scale-down alert's notification (FunctionLoadBelowTarget: its own
// AlertManager group, sent -- or retried after a 503 -- independently of
// the scale-up alert's) that arrives while a scale-up alert is queued
// (the loop busy with a pass) throws the scale-up alert and its load away:
// the evaluation then runs with no signal at all.
func TestQueuedScaleUpNotReplacedByScaleDownTrigger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 45 per replica
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 40)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 80)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		now := time.Now()
		up := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
			Fingerprint: "fp-up", StartsAt: now.Add(-time.Second), Received: now, Load: ptr(400)}
		down := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadBelowTarget", ScalingType: "rps",
			Fingerprint: "fp-down", StartsAt: now.Add(-10 * time.Minute), Received: now, Load: ptr(30), Down: true}
		for _, s := range []Signal{up, down} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 9 {
			t.Errorf("scale-up alert (load 400/s) queued, then a scale-down alert's notification: %d replicas, want 9 (the down alert only triggers an evaluation)", got)
		}
	})
}
