package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestCEResolutionNeverTakesTheGeneratedStepAlertsPlaceInTheQueue: with
// `rules --ce-compatible`, a step-mode function has the generated
// FunctionStepRateHigh (scaling_type "step") and OpenFaaS CE's
// APIHighInvocationRate firing for one condition, each in its own
// AlertManager group. Both resolve together; when both resolutions reach
// Notify before the loop wakes (a pass in progress, two groups flushed
// within the same moment), queueLocked lets CE's resolution replace the
// generated one (a queued resolution is replaced by anything). Decided
// alone, CE's resolution is "beside the generated step alert, which
// fires" (StepRuleAt was set by the generated alert's last delivery), so
// no way down starts; and no later tick starts one either. The function
// keeps its stepped-up count for good: the resolution is lost. An alert
// without a scaling type no longer takes a queued generated step alert's
// place (keepsQueued).
//
// Seen failing before the fix (session 48, a review's test): "both alerts
// resolved (the generated one's resolution queued first, CE's after it):
// 3 replicas an hour later, want min 1".
func TestCEResolutionNeverTakesTheGeneratedStepAlertsPlaceInTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "20", LabelMin: "1"} // step 2
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 1, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(-time.Minute)
		ours := Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "g", StartsAt: start, ScalingType: TypeStep}
		ce := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start}
		for _, s := range []Signal{ours, ce} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			time.Sleep(10 * time.Second)
		}
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("control: one condition, two alerts firing: %d replicas, want 3 (one step)", got)
		}
		// Both resolve; both resolutions are queued before the loop wakes.
		oursR, ceR := ours, ce
		oursR.Status, ceR.Status = Resolved, Resolved
		for _, s := range []Signal{oursR, ceR} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		for range 12 { // an hour of passes, far past the down window
			time.Sleep(5 * time.Minute)
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		if got := e.prov.replicas(refA); got != 1 {
			t.Errorf("both alerts resolved (the generated one's resolution queued first, CE's after it): %d replicas an hour later, want min 1", got)
		}
	})
}
