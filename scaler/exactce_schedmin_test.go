package scaler

import (
	"strings"
	"testing"
)

// README ("Scheduled minimums"): "While a min-schedule entry is active, the
// function is never idled, is raised from zero, and is floored at that
// minimum"; idler/doc.go: "the scaler floors it there through MinFloor".
// doc.go: "the bounds [max(min, 1, scheduled minimum), max]".
//
// Exact-CE step mode answers a resolved alert with the floor; it once read
// max(min, 1) and no scheduled minimum at all: a function with an active
// scheduled minimum of 3, at 4 replicas, went to 1 when its alert
// resolved -- below the scheduled minimum, which the idler restores only
// from zero. Plain step mode honours it (clampStep).
func TestExactCEResolvedHonoursScheduledMin(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.ExactCE = true; s.Max = 5; s.Factor = 20 })
	obs := withSignal(4, resolved("f", t0))
	obs.ScheduledMin, obs.ScheduledMinReason = 3, "weekday office hours"
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 3 || d.Code != CodeScheduledMin {
		t.Errorf("exact CE, resolved alert at 4, scheduled minimum 3: got %d (%s: %q); want 3 (scheduled_min)", d.Replicas, d.Code, d.Reason)
	}
	// Without the schedule, CE's resolved → min (floored at 1) as before.
	obs.ScheduledMin, obs.ScheduledMinReason = 0, ""
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 1 || d.Code != CodeStepDown {
		t.Errorf("exact CE, resolved alert at 4, no schedule: got %d (%s: %q); want 1 (step_down)", d.Replicas, d.Code, d.Reason)
	}
	// Control: plain step mode keeps the scheduled minimum.
	obs.ScheduledMin = 3
	spec.ExactCE = false
	if d := Decide(spec, obs, State{}, t0.Add(10*60e9)); d.Replicas < 3 {
		t.Fatalf("control: plain step mode gave %d", d.Replicas)
	}
}

// TestExactCEFiringHonoursScheduledMin: a firing alert in exact-CE mode
// computes CE's min(cur+step, min(max, 5)), which took a function held at
// an active scheduled minimum of 8 (max 10) down to 5 on high-load
// evidence, below the floor the README and doc.go promise. The schedule now
// floors it as on a resolved alert. Found by a review (helper-120).
//
// Seen failing without the floor: "got 5 (step_up …); want 8".
func TestExactCEFiringHonoursScheduledMin(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.ExactCE = true; s.Max = 10; s.Factor = 20 })
	obs := withSignal(8, firing("f", t0))
	obs.ScheduledMin, obs.ScheduledMinReason = 8, "weekday office hours"
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 8 || d.Code != CodeScheduledMin || !strings.Contains(d.Reason, "weekday office hours") {
		t.Errorf("exact CE, firing alert at 8, scheduled minimum 8: got %d (%s: %q); want 8 (scheduled_min)", d.Replicas, d.Code, d.Reason)
	}
	// Below the cap the schedule is not in the way: CE's step stands.
	obs = withSignal(2, firing("f", t0))
	obs.ScheduledMin, obs.ScheduledMinReason = 2, "weekday office hours"
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 3 || d.Code != CodeStepUp {
		t.Errorf("exact CE, firing at 2 with a scheduled minimum of 2: got %d (%s), want CE's step to 3", d.Replicas, d.Code)
	}
}

// TestExactCEFiringAboveTheCapIsAStepDown: CE's firing arithmetic,
// min(cur+step, min(max, 5)), takes a function at 9 replicas (max 10, set by
// hand or by another scaler) down to 5. The count falls, so the decision's
// code says step_down; it said step_up, and faas_autoscaler_decisions_total
// (the Function dashboard's decisions-by-reason panel) counted a scale-down
// as a step up. Found by a review (session 32).
func TestExactCEFiringAboveTheCapIsAStepDown(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.ExactCE = true; s.Max = 10; s.Factor = 20 })
	d := Decide(spec, withSignal(9, firing("f", t0)), State{}, t0)
	if d.Replicas != 5 || d.Code != CodeStepDown {
		t.Errorf("exact CE, firing alert at 9 (max 10, CE's cap 5): got %d (%s: %q); want 5 (step_down)", d.Replicas, d.Code, d.Reason)
	}
}
