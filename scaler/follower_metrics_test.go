package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestAFormerLeaderExportsNoFunctionGauges: the generated alert rules
// (rules/alerting.go) aggregate the controller's per-function gauges with
// `max by (function_name)`, which "merges the series of several controller
// replicas (leader election) into one"; that holds only if a replica that
// does not lead exports no per-function rows. A replica whose term ended
// (lease lost, elector standing again, process still running) kept its
// Loop and streamed every row of it, frozen at the last count it saw:
// max by picked a stale 10 over the new leader's 2, and a function at
// 200/s on 2 replicas (alert above 99/s) raised no alert (threshold 495/s,
// found by a review with promtool). Seen failing before the fix: all four
// gauges still exported once Leading() was false.
func TestAFormerLeaderExportsNoFunctionGauges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		leading := true
		e := newLoopEnv(t, func(c *LoopConfig) { c.Leading = func() bool { return leading } }, function(refA, 3, nil))
		e.src.Set("rps", refA, 1)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if v, ok := e.metric(t, MetricReplicas, map[string]string{labelFunction: refA.String()}); !ok || v != 3 {
			t.Fatalf("while leading: %s = %v (present %v), want 3", MetricReplicas, v, ok)
		}
		leading = false // the term ends; the new leader now owns refA
		for _, name := range []string{MetricReplicas, MetricMinReplicas, MetricMaxReplicas, MetricTargetLoad} {
			if v, ok := e.metric(t, name, map[string]string{labelFunction: refA.String()}); ok {
				t.Errorf("a replica that no longer leads still exports %s{function_name=%q} = %v: the rules' max by (function_name) merges it with the leader's", name, refA.String(), v)
			}
		}
	})
}

// TestAStepFunctionExportsItsAlertRate: a step function's target load is
// the rate its generated alert fires above (StepAlertRate), labelled
// scaling_type="step": the rules' step alert joins on it. Without it step
// functions had no alert from the shipped rules (rules.TestStepModeGetsAnAlertFromShippedRules).
func TestAStepFunctionExportsItsAlertRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 2, map[string]string{LabelType: TypeStep}))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		v, ok := e.metric(t, MetricTargetLoad, map[string]string{labelFunction: refA.String(), labelScalingType: TypeStep})
		if !ok || v != StepAlertRate {
			t.Errorf("%s{scaling_type=step} = %v (present %v), want %v", MetricTargetLoad, v, ok, StepAlertRate)
		}
	})
}
