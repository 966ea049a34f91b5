package scaler

import (
	"strings"
	"testing"
	"time"
)

// ceil(load / (target × target-proportion)) on a load that is exactly a
// whole number of replicas' worth: capacity target 7 × 0.7 = 4.9 per
// replica, 49 in flight → 49 / 4.9 = 10 replicas. In float64, 7 × 0.7 is
// 4.8999999999999995 and 49 / 4.8999999999999995 = 10.000000000000002,
// whose ceiling is 11: one replica above what the documented formula gives.
func TestReview50bWholeReplicaLoadNeedsNoExtraReplica(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type, s.Target, s.TargetProportion, s.Max = "capacity", 7, 0.7, 100 })
	// From zero: no tolerance or rate limit in the way.
	d := Decide(spec, obsOf(0, ptr(49)), State{}, t0)
	if d.Replicas != 10 {
		t.Errorf("wake at 49 in flight, target 7×0.7: ceil(49/4.9) = 10, got %d (%s)", d.Replicas, d.Reason)
	}
	// Running at 8 (49/4.9 = 10 is 25 % over 8: outside the tolerance;
	// below 2×8 so no burst; rate limit max(16, 12)): 8 → 10.
	o := obsOf(8, ptr(49))
	d = Decide(spec, o, State{}, t0)
	if d.Replicas != 10 {
		t.Errorf("8 replicas at 49 in flight, target 7×0.7: ceil(49/4.9) = 10, got %d (%s)", d.Replicas, d.Reason)
	}
	// Tolerance 0 at exactly the count the load needs: steady, not +1.
	spec.Tolerance = 0
	d = Decide(spec, obsOf(10, ptr(49)), State{}, t0)
	if d.Replicas != 10 || d.Code != CodeSteady {
		t.Errorf("10 replicas at 49 in flight (= 10 × 4.9), tolerance 0: want steady 10, got %d %s (%s)", d.Replicas, d.Code, d.Reason)
	}
}

// Step mode (not exact CE) with the count above a lowered max: a firing
// alert's min(cur + step, max) is max, below the current count. The
// decision scales down, and its code says step_up: the code names the
// step rather than the bound (max) that set the result, and the reason
// words a scale-down as "+ step". Exact CE says step_down for the same
// arithmetic (decideExactCE); the target modes say at_max.
func TestReview50bStepFiringAboveMaxIsNotAStepUp(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type, s.Max, s.Factor = TypeStep, 5, 20 })
	obs := Observation{Replicas: 8, Available: 8, Signal: &Signal{Status: Firing, AlertName: "FunctionStepRateHigh",
		Fingerprint: "f1", StartsAt: t0.Add(-time.Minute), ScalingType: TypeStep}}
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 5 {
		t.Fatalf("8 replicas, max 5, firing: min(8 + 1, 5) = 5, got %d (%s)", d.Replicas, d.Reason)
	}
	if d.Code == CodeStepUp {
		t.Errorf("8 → 5 coded %s (%s): a scale-down to max is not a step up (want %s)", d.Code, d.Reason, CodeAtMax)
	}
}

// The reason words the per-replica target and the tolerance with two and
// zero decimals (targetWords' %.2f, toleranceWords' %.0f), so a label with
// more digits is named as another number than the one decided on.
// target 1000 × target-proportion 0.005 = 5 per replica; 50 rps → ceil(50/5)
// = 10 replicas, worded "over target 1000×0.01" (which would be 10 per
// replica: 5 replicas). Tolerance 0.004 on 10 replicas of 45 (450): a load
// of 451 is within ±0.4 % and kept, worded "within ±0%", which 451 is not.
func TestReview50bReasonNamesTheLabelValuesDecidedOn(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Target, s.TargetProportion, s.Max = 1000, 0.005, 100 })
	d := Decide(spec, Observation{Replicas: 10, Available: 10, StableLoad: ptr(50), StableWindow: time.Minute}, State{}, t0)
	if d.Replicas != 10 {
		t.Fatalf("50 rps over 1000×0.005 = 5 per replica: want 10, got %d (%s)", d.Replicas, d.Reason)
	}
	if !strings.Contains(d.Reason, "0.005") {
		t.Errorf("reason %q does not name the target-proportion 0.005 the decision used", d.Reason)
	}
	spec = specFrom(func(s *Spec) { s.Tolerance = 0.004 })
	d = Decide(spec, obsOf(10, ptr(451)), State{}, t0)
	if d.Replicas != 10 || d.Code != CodeWithinTolerance {
		t.Fatalf("451 on 10×45 = 450 with tolerance 0.4%%: want within tolerance at 10, got %d %s (%s)", d.Replicas, d.Code, d.Reason)
	}
	if strings.Contains(d.Reason, "±0%") {
		t.Errorf("reason %q says ±0%% for a tolerance of 0.4%% (451 is not within 0%% of 450)", d.Reason)
	}
}

// An alert's load expired with no data: back to the count before it
// (AlertBase 2), raised to min 4 by the floor. The floor set the count, and
// the code still says no_data, where the ordinary no-data path (and every
// other clamp) names the bound: doc.go, "the Decision's code names whichever
// step bound the result".
func TestReview50bAlertExpiryRaisedToMinNamesTheFloor(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Min = 4 })
	st := State{AlertLoadAt: t0.Add(-2 * time.Minute), AlertBase: 2}
	d := Decide(spec, Observation{Replicas: 10, Available: 10, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, st, t0)
	if d.Replicas != 4 {
		t.Fatalf("alert base 2, min 4: want 4, got %d (%s)", d.Replicas, d.Reason)
	}
	if d.Code != CodeAtMin {
		t.Errorf("10 → 4 set by min 4 coded %s (%s), want %s", d.Code, d.Reason, CodeAtMin)
	}
}
