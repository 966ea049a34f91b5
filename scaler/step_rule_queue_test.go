package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestCEAlertStepsAfterTheGeneratedResolutionWasDisplaced: the loop queues
// one signal per function, and a firing alert takes a queued resolution's
// place. With `rules --ce-compatible`, the generated step alert's
// resolution and CE's APIHighInvocationRate firing can reach the webhook
// before the loop wakes: the resolution is never decided on, and the
// generated alert was held as firing for good, so CE's alert, and each of
// its repeats, was a duplicate: the function never stepped again. It steps
// once the generated alert has gone unseen for StepRuleEvidence.
//
// Seen failing before: "CE's repeat 2m after the generated alert was last
// seen: 3 replicas, want 4".
func TestCEAlertStepsAfterTheGeneratedResolutionWasDisplaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10"} // step 1
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		notify := func(sigs ...Signal) {
			t.Helper()
			for _, s := range sigs {
				if err := e.loop.Notify(t.Context(), s); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		start := time.Now()
		ours := Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start,
			ScalingType: TypeStep, Load: ptr(8)}
		notify(ours)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("control: the generated alert firing (step 1) from 2: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		resolved := ours
		resolved.Status = Resolved
		ce := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: time.Now()}
		notify(resolved, ce) // CE's firing takes the queued resolution's place
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("CE's alert beside the generated one, seen 20s before: %d replicas, want 3", got)
		}
		time.Sleep(100 * time.Second) // AlertManager repeats CE's alert
		notify(ce)
		if got := e.prov.replicas(refA); got != 4 {
			t.Errorf("CE's repeat 2m after the generated alert was last seen: %d replicas, want 4", got)
		}
	})
}
