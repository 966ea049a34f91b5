package keepalive

import (
	"context"
	"maps"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview51AKShareTakenByAFunctionNobodyPreWarmed: 6894c24's adoptWarm
// counts into the share every opted-in function found up inside its
// pre-warm window and not called since it opened, at every pass with a
// pre-warm due, restart or not. a is such a function only because its
// scheduled minimum holds it up all day (faas-autoscaler.io/min-schedule:
// the idler never idles it and restores it; the pre-warmer does not read
// schedules): nobody pre-warmed it, it costs the pre-warm budget nothing,
// yet after each of its rare calls it is "adopted" and takes the one slot
// of the share (0.25 of 2), so b, at zero and due, is never pre-warmed in
// a process that never restarted. README: "after a restart the functions
// found up in their window count"; PreWarmer's doc: "(a process before it
// pre-warmed them)". Expected: b pre-warmed (a holds no slot: it was not
// pre-warmed by this process or one before it). Cause: prewarm.go adoptWarm
// / due (room - adoptWarm) adopt any function up in its window, at any
// pass, not only the first passes of a process or a term.
func TestReview51AKShareTakenByAFunctionNobodyPreWarmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
		held := maps.Clone(autoLabels)
		held["faas-autoscaler.io/min-schedule"] = "0 0 * * * for 24h = 1" // up all day
		prov.Deploy(provider.Function{Ref: a, Labels: held, Replicas: 1})
		prov.Deploy(provider.Function{Ref: b, Labels: autoLabels})
		pol, _ := New(Default())   // PreWarmShare 0.25: one slot for two functions
		for i := 20; i >= 0; i-- { // hourly calls, b 5 s after a
			pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
			pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+5*time.Second))
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		// The same process all along: a first pass long before any window.
		if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 0 {
			t.Fatalf("setup: pre-warmed %+v right after the calls", rep.Scaled)
		}
		plan, _ := pol.Plan(b, 15*time.Minute, start)
		time.Sleep(plan.PreWarmAt + 10*time.Second) // both windows open
		var rep PreWarmReport
		for range 3 {
			rep = w.RunOnce(context.Background(), time.Now())
			time.Sleep(10 * time.Second)
		}
		if got := replicas(t, prov, b); got != 1 {
			t.Errorf("b due with nothing pre-warmed: b has %d replicas, want 1; the slot went to a, up for its scheduled minimum (warm %d)", got, rep.Warm)
		}
	})
}
