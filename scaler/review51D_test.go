package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestReview51DStepRampLostAtARestart: a step-mode function was stepped up
// (1 → 7) and its alert resolved; the step-down ramp over the down window
// started (2 min) and the controller process restarted 10 s into it. The
// resolved notification was delivered and answered 200, so AlertManager
// never sends it again, and no firing repeat comes either (the generated
// route repeats a firing alert every 30 s: none in a whole down window
// means it no longer fires). The restarted loop meets the function at 7
// as a first sight ("the count found kept for one down window", README)
// and then keeps it for ever: decideStep with no signal and no ramp is
// "step mode, no new alert: keep 7". The scale-down the resolved alert
// asked for is lost for good — a restart must never lose a scaling
// action. Expected: once the first down window passes with no firing
// alert, the function steps down to its floor (1), as it would have
// without the restart.
func TestReview51DStepRampLostAtARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "20", LabelFactor: "30"} // step 6
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = 5 * time.Second }, function(refA, 1, labels))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.loop.Run(ctx) }()
		time.Sleep(time.Second)
		start := time.Now()
		sig := Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", ScalingType: TypeStep,
			Fingerprint: "fp", StartsAt: start, Received: start}
		if err := e.loop.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if got := e.prov.replicas(refA); got != 7 {
			t.Fatalf("setup: firing step alert gave %d replicas, want 7", got)
		}
		sig.Status, sig.Received = Resolved, time.Now()
		if err := e.loop.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // the ramp has started
		cancel()                     // the process dies
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		atRestart := e.prov.replicas(refA)

		// A new process: a new loop over the same provider and source.
		second, err := NewLoop(LoopConfig{Provider: e.prov, Source: e.src, Actuator: newActuatorOn(t, e.prov, nil, false, nil),
			Defaults: testDefaults(), Interval: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx2, cancel2 := context.WithCancel(t.Context())
		defer cancel2()
		done2 := make(chan error, 1)
		go func() { done2 <- second.Run(ctx2) }()
		// Two down windows and more: no alert fires in any of them.
		time.Sleep(3*testDefaults().DownWindow + 30*time.Second)
		got := e.prov.replicas(refA)
		cancel2()
		<-done2
		if got != 1 {
			f, _ := second.Explain(refA)
			why := ""
			if len(f.Decisions) > 0 {
				why = f.Decisions[0].Reason
			}
			t.Errorf("restart 10 s into the step-down ramp (at %d): %s later still %d replicas (%q), want 1 (the resolved alert's ramp to the floor)",
				atRestart, 3*testDefaults().DownWindow+30*time.Second, got, why)
		}
	})
}
