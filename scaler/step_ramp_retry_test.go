package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestStepRampWriteNotAppliedIsTriedAgain: step mode's way down after a
// received resolution is kept in State (RampFrom, RampStart) and evaluated
// on every pass, so a ramp's write that is not applied is asked for again
// on the next pass. Not so the write that ends it: the pass at or past the
// end of the down window asks for the floor and clears the ramp in the
// same decision, and with a firing stepped on in this term (State.StepAt)
// no StepFoundAt takes over: a failed last write left the function one
// ramp step above its floor for good ("step mode, no new alert: keep 2").
// With com.openfaas.scale.down.window=0 that last write is the
// resolution's own drop. Each is tried again on a later pass.
//
// Seen failing before: "step mode, down window 2m, the ramp's last write
// failed once, 10m after the resolution: 2 replicas (last record steady
// ""), want the floor 1"; "step mode, down window 0s, the drop of a zero
// down window failed once, 10m after the resolution: 6 replicas (last
// record steady ""), want the floor 1". A write inside the ramp was
// already asked for again (it passed).
func TestStepRampWriteNotAppliedIsTriedAgain(t *testing.T) {
	for _, c := range []struct {
		name       string
		downWindow string
		failAt     time.Duration // after the resolution, the pass whose write fails
	}{
		{"a write inside the ramp", "2m", 30 * time.Second},
		{"the ramp's last write", "2m", 2 * time.Minute},
		{"the drop of a zero down window", "0s", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "20", LabelMin: "1", LabelDownWindow: c.downWindow} // step 2
				e := newLoopEnv(t, func(cfg *LoopConfig) { cfg.Interval = time.Hour }, function(refA, 4, labels))
				alert := func(status AlertStatus, startsAt time.Time) {
					t.Helper()
					sig := Signal{Ref: refA, Status: status, AlertName: "FunctionStepRateHigh", ScalingType: TypeStep,
						Fingerprint: "g", StartsAt: startsAt, Received: time.Now(), Repeats: true}
					if err := e.loop.Notify(t.Context(), sig); err != nil {
						t.Fatal(err)
					}
					if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				tick := func() {
					t.Helper()
					if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
						t.Fatal(err)
					}
					synctest.Wait()
				}
				tick()
				started := time.Now().Add(-10 * time.Second)
				alert(Firing, started)
				if got := e.prov.replicas(refA); got != 6 {
					t.Fatalf("setup: after the alert fired at 4: %d replicas, want 6", got)
				}
				time.Sleep(20 * time.Second)
				if c.failAt == 0 {
					e.prov.FailScale(refA, 1, errDown)
				}
				alert(Resolved, started)
				resolvedAt := time.Now()
				// Passes every 10 s for 10 minutes, with no alert since.
				for range 60 {
					time.Sleep(10 * time.Second)
					if time.Since(resolvedAt) == c.failAt {
						e.prov.FailScale(refA, 1, errDown)
					}
					tick()
				}
				if calls := e.prov.takeCalls(); len(calls) < 2 {
					t.Fatalf("control: %d writes after the alert fired, want the failed one and more", len(calls))
				}
				if got := e.prov.replicas(refA); got != 1 {
					e.loop.mu.Lock()
					h := e.loop.fns[refA].history
					last := h[len(h)-1]
					e.loop.mu.Unlock()
					t.Errorf("step mode, down window %s, %s failed once, 10m after the resolution: %d replicas (last record %s %q), want the floor 1",
						c.downWindow, c.name, got, last.Code, last.Reason)
				}
			})
		})
	}
}
