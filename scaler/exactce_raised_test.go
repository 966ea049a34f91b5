package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// raisingActuator answers the first drop it is given with raised_since, as
// the actuator does when another component raised the function after the
// scaler looked, having raised the function to raiseTo itself first; it
// hands everything else on.
type raisingActuator struct {
	next    Actuator
	raise   func()
	dropped bool
}

func (a *raisingActuator) Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	if !a.dropped && in.To < in.From {
		a.dropped = true
		a.raise()
		done(actuator.Outcome{Intent: in, Code: actuator.CodeRaisedSince, Reason: "raised since"})
		return
	}
	a.next.Submit(ctx, in, done)
}

// TestResolvedDropOvertakenByARaiseIsNotOwed: exact CE's drop to the floor
// on a received resolution that the actuator dropped as raised_since
// (someone raised the function after the scaler looked) is not owed: the
// raise is the newer intent, and CE itself touches a function only on an
// alert. Owed after any outcome that was not applied, the drop took an
// operator's raise, landed just as the drop was arbitrated, back to the
// floor on the next pass (seen failing: "1 replicas ..., want the raise's 5
// kept"). Plain step mode is not asked: its way down is a ramp the scaler
// owns over the down window, which goes on from a raise as before.
func TestResolvedDropOvertakenByARaiseIsNotOwed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "5", LabelFactor: "20", LabelMin: "1", LabelExactCE: "true"} // step 1
		var ra *raisingActuator
		e := newLoopEnv(t, func(c *LoopConfig) {
			c.Interval = time.Hour
			ra = &raisingActuator{next: c.Actuator}
			c.Actuator = ra
		}, function(refA, 2, labels))
		ra.raise = func() {
			if err := e.prov.Scale(context.Background(), refA, 5); err != nil {
				t.Errorf("the raise: %v", err)
			}
		}
		alert := func(status AlertStatus, startsAt time.Time) {
			t.Helper()
			sig := Signal{Ref: refA, Status: status, AlertName: "APIHighInvocationRate", ScalingType: TypeStep,
				Fingerprint: "f", StartsAt: startsAt, Received: time.Now(), Repeats: true}
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
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 3", got)
		}
		time.Sleep(20 * time.Second)
		alert(Resolved, started)
		for range 30 {
			time.Sleep(10 * time.Second)
			tick()
		}
		if !ra.dropped {
			t.Fatal("setup: no drop was proposed on the resolution")
		}
		if got := e.prov.replicas(refA); got != 5 {
			e.loop.mu.Lock()
			h := e.loop.fns[refA].history
			last := h[len(h)-1]
			e.loop.mu.Unlock()
			t.Errorf("exact CE: the resolution's drop lost to a raise to 5 (raised_since), 5m of passes since: %d replicas (last record %s %q), want the raise's 5 kept",
				got, last.Code, last.Reason)
		}
	})
}
