package scaler

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// review52JStepAlert is the generated step alert (scaling_type "step")
// firing for refA, as package alerts hands it on.
func review52JStepAlert(startsAt time.Time) Signal {
	return Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", ScalingType: TypeStep,
		Fingerprint: "gstep", StartsAt: startsAt, Received: time.Now(), Repeats: true} // from AlertManager
}

// Exact CE's lapse (the generated step alert unseen for StepRuleEvidence,
// its resolution taken as lost) drops the function to its floor in the one
// pass where State.StepRuleAt goes from set to zero. When that write is not
// applied (the provider's write fails once), outcome() restores the scale
// time and the step "so the next evaluation ... can take them again", but
// StepRuleAt stays zero and exact CE keeps no ramp: every later pass is
// "exact CE, no alert: keep 3", and the function stays at its stepped count
// for good -- the very state the lapse was added to end. (Step mode proper
// survives it: its ramp is kept in RampStart and evaluated every pass.)
func TestReview52JExactCELapseSurvivesAFailedWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelExactCE: "true", LabelMax: "5", LabelFactor: "20", LabelMin: "1"} // step 1
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		tick := func() {
			t.Helper()
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		tick()
		if err := e.loop.Notify(t.Context(), review52JStepAlert(time.Now().Add(-10*time.Second))); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the generated step alert fired: %d replicas, want 3", got)
		}
		// The alert stops; its resolution never comes. The next write (the
		// lapse's drop to the floor) fails once, as a provider's 5xx.
		e.prov.FailScale(refA, 1, errDown)
		for range 60 { // 10 minutes of passes every 10 s
			time.Sleep(10 * time.Second)
			tick()
		}
		if calls := e.prov.takeCalls(); len(calls) == 0 {
			t.Fatalf("control: no write was tried after the lapse")
		}
		if got := e.prov.replicas(refA); got != 1 {
			e.loop.mu.Lock()
			h := e.loop.fns[refA].history
			last := h[len(h)-1]
			e.loop.mu.Unlock()
			t.Errorf("exact CE, generated step alert unseen for 10m, the lapse's one write failed: %d replicas (last record %s %q), want the floor 1", got, last.Code, last.Reason)
		}
	})
}

// A step-mode function at zero woken by its firing step alert is a scale-up
// for load: "up" (README: up_to_floor is "raised to its min or a scheduled
// minimum, not for load"), and LastScaleUp is its time ("when the loop last
// scaled ref up for load"). With min above the step, clampStep codes the
// wake at_min, and Decide took that code for a floor raise: the explain API
// says "up_to_floor" for a wake a caller's load asked for, and LastScaleUp
// is zero. The target modes code the same wake from_zero ("up") whatever
// their min (wakeFromZero).
func TestReview52JStepWakeOnFiringAlertIsAScaleUpForLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10", LabelMin: "3"} // step 1, min 3
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 0, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 0 {
			t.Fatalf("setup: at zero without an alert: %d replicas, want 0 (left to the idler)", got)
		}
		time.Sleep(time.Minute)
		woke := time.Now()
		if err := e.loop.Notify(t.Context(), review52JStepAlert(woke.Add(-10*time.Second))); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), woke); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("control: woken by its firing step alert: %d replicas, want its min 3", got)
		}
		if got := e.loop.LastScaleUp(refA); !got.Equal(woke) {
			t.Errorf("step function woken from zero by its firing alert (the load's wake, min sets the count): LastScaleUp %v, want %v", got, woke)
		}
		e.loop.mu.Lock()
		b, err := json.Marshal(e.loop.fns[refA].state())
		e.loop.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if want := `"last_scale_direction":"up"`; !strings.Contains(string(b), want) {
			t.Errorf("state after a wake on a firing alert: %s, want %s (not up_to_floor: not raised for a floor alone)", b, want)
		}
	})
}
