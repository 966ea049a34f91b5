package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview51YRefusedPreWarmHogsTheShare: two hourly timers, a and b, due
// in the same minute; the default share (0.25 of 2 functions) allows one
// pre-warm at once. The provider refuses a's pre-warm (a quota: 403), and
// the actuator then drops every proposal of a for actuator.refused_backoff
// (an hour) without a call. a's window closes first, so Due puts a first
// and cuts the list at the share before the pre-warmer knows that a will
// not be warmed: every pass of the window proposes only a (dropped), and b
// is never pre-warmed although nothing is warm (rep.Warm 0). One function
// the provider refuses blocks the share for everyone for the refused
// back-off. Expected: a slot counts pre-warms that happen; b, due and
// within the share once a is not warm, is pre-warmed in the window (in the
// next pass at the latest). Cause: dueAt (policyprewarm.go, the cut at
// limit) cuts before the actuator's verdicts; RunOnce (prewarm.go) does not
// go on to the next due function when one is not applied.
func TestReview51YRefusedPreWarmHogsTheShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
		prov.Deploy(provider.Function{Ref: b, Labels: autoLabels})
		pol, _ := New(Default())   // PreWarmShare 0.25: one slot for two functions
		for i := 20; i >= 0; i-- { // hourly timers, b five seconds after a
			pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
			pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+5*time.Second))
		}
		prov.FailScale(a, 1000, &provider.RefusedError{Ref: a, Replicas: 1, Status: 403, Message: "quota exceeded"})
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		plan, _ := pol.Plan(b, 15*time.Minute, start)
		time.Sleep(plan.PreWarmAt + 10*time.Second) // both windows open
		var warm int
		for range 4 { // 40 s of passes, inside both windows
			rep := w.RunOnce(context.Background(), time.Now())
			warm = rep.Warm
			time.Sleep(10 * time.Second)
		}
		if got := replicas(t, prov, b); got != 1 {
			t.Errorf("b due for 40 s with no function warm (warm %d): b has %d replicas, want 1; the one slot went to a, which the provider refuses", warm, got)
		}
	})
}

// TestReview51YTiedWindowsStarveTheSameFunctions: four functions on the
// same hourly cron schedule ("0 * * * *": every call in the same second,
// so every plan and every window is the same), the default share 0.25: one
// pre-warm at a time. Due sorts the due functions by the end of their
// window and cuts at the share; on a tie the listing's order (the names)
// decides, so every hour the same function, "cron-0", is pre-warmed and
// the other three are cold at every call, for ever. The share bounds how
// many are warm at once; it should not pick the same winners every window.
// Expected: over several windows the pre-warms go round (each function
// pre-warmed at least once in four hours), e.g. by preferring on a tie the
// function pre-warmed least recently. Cause: dueAt (policyprewarm.go, the
// sort by Until and the cut at limit) has no tie-break but the listing's
// order.
func TestReview51YTiedWindowsStarveTheSameFunctions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		var refs []provider.Ref
		for _, n := range []string{"cron-0", "cron-1", "cron-2", "cron-3"} {
			ref := provider.Ref{Name: n, Namespace: "openfaas-fn"}
			refs = append(refs, ref)
			prov.Deploy(provider.Function{Ref: ref, Labels: autoLabels})
		}
		pol, _ := New(Default()) // PreWarmShare 0.25 of 4: one at a time
		for i := 20; i >= 0; i-- {
			for _, ref := range refs {
				pol.Observe(ref, start.Add(-time.Duration(i)*time.Hour))
			}
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		warmed := map[provider.Ref]int{}
		for hour := 1; hour <= 4; hour++ {
			call := start.Add(time.Duration(hour) * time.Hour)
			time.Sleep(time.Until(call.Add(-20 * time.Second))) // the window
			for _, pw := range w.RunOnce(ctx, time.Now()).Scaled {
				warmed[pw.Ref]++
			}
			time.Sleep(time.Until(call))
			for _, ref := range refs {
				pol.Observe(ref, call) // the cron calls
			}
			time.Sleep(10 * time.Minute)
			for _, ref := range refs { // the idler takes them back to zero
				if err := prov.Scale(ctx, ref, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, ref := range refs {
			if warmed[ref] == 0 {
				t.Errorf("4 hourly windows, one slot each: %s never pre-warmed (pre-warms %v)", ref.Name, warmed)
			}
		}
	})
}

// TestReview51YShareForgetsPreWarmsAcrossARestart: a and b are hourly
// timers, b's window opening 20 s after a's; the default share (0.25 of 2)
// allows one pre-warm at once ("never more than the policy's PreWarmShare
// of the functions at once", PreWarmer's doc). The controller restarts (or
// leadership moves) just after a was pre-warmed: the new pre-warmer's warm
// set is empty, a is up (not at zero) in its window, and b's pass
// pre-warms b too: two functions pre-warmed at once, the share exceeded
// for the whole window. The listing shows what is warm: a is opted in, up,
// inside its pre-warm window and not called since the window opened.
// Expected: b is not pre-warmed while a holds the one slot. Cause: the
// share counts only w.warm (prewarm.go, due: len(w.warm)), this process's
// own applied pre-warms.
func TestReview51YShareForgetsPreWarmsAcrossARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
		prov.Deploy(provider.Function{Ref: b, Labels: autoLabels})
		pol, _ := New(Default())
		for i := 20; i >= 0; i-- { // hourly timers, b 20 s after a
			pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
			pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+20*time.Second))
		}
		old, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		plan, _ := pol.Plan(a, 15*time.Minute, start)
		time.Sleep(plan.PreWarmAt + 5*time.Second) // a's window, not yet b's
		if rep := old.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a {
			t.Fatalf("a's window: pre-warmed %+v, want a", rep.Scaled)
		}
		// Restart: a new pre-warmer (the policy as the rebuild leaves it).
		restarted, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second) // b's window too; a's still open
		if until := start.Add(plan.PreWarmUntil); !time.Now().Before(until) {
			t.Fatalf("a's window is over (%s)", until)
		}
		restarted.RunOnce(context.Background(), time.Now())
		if ra, rb := replicas(t, prov, a), replicas(t, prov, b); ra > 0 && rb > 0 {
			t.Errorf("after a restart: a (%d) and b (%d) pre-warmed at once; the share allows one", ra, rb)
		}
	})
}

// TestReview51YPreWarmStartsBelowTheFunctionsMin: a function with
// com.openfaas.scale.min 3 (zero true, zero-duration auto) whose idled
// count is not known (after a restart without replica history, a term's
// ForgetZeroed, a count dropped by a refresh cut short) is pre-warmed to
// one replica. Every other wake of it starts its min: OpenFaaS' gateway
// scales a function found at zero to "com.openfaas.scale.min or 1"
// (reference/openfaas.md, scale from zero), the idler's maintain-min restore starts
// max(min, 1), and the scaler floors a running function at max(min, 1)
// (scaler.Spec.Min), so the scaler's next pass writes again, 1→3, and two
// of the three replicas the function runs at start a pass later than the
// pre-warm meant them to, possibly after the call they were pre-warmed
// for. Expected: a pre-warm starts at least the function's min (within its
// max). Cause: RunOnce/due (prewarm.go: to := max(pw.Replicas, 1), capped
// only by the max) ignores the min that the one label parse already read.
func TestReview51YPreWarmStartsBelowTheFunctionsMin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		labels := map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "auto",
			"com.openfaas.scale.min": "3"}
		prov, a, pol := hourlyTimer(labels, start) // no count told: not known
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 {
			t.Fatalf("pre-warmed %+v, want a", rep.Scaled)
		}
		if got := replicas(t, prov, a); got < 3 {
			t.Errorf("min 3, idled count unknown: pre-warmed to %d, want at least the min 3", got)
		}
	})
}

// TestReview51YPreWarmNeverLowersAWokenFunction (pin): a function listed at
// zero by the pass and woken (by a request, to 7) before the pre-warm's
// write lands keeps its 7: the pre-warm (0→5, the count it was idled from)
// is dropped as already higher, never written as a scale down.
func TestReview51YPreWarmNeverLowersAWokenFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov, a, pol := hourlyTimer(autoLabels, start)
		pol.Zeroed(a, 5)
		woke := &wakeFirst{a: newActuator(t, prov), prov: prov, to: 7}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: woke})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second)
		rep := w.RunOnce(context.Background(), time.Now())
		if got := replicas(t, prov, a); got != 7 || len(rep.Scaled) != 0 {
			t.Errorf("woken to 7 before the pre-warm landed: %d replicas (pre-warmed %+v), want 7 and no pre-warm", got, rep.Scaled)
		}
	})
}

// wakeFirst scales the function to `to` (a request's wake, outside the
// actuator) before handing the intent to a.
type wakeFirst struct {
	a    Actuator
	prov *memory.Provider
	to   uint64
}

func (s *wakeFirst) Apply(ctx context.Context, in actuator.Intent) actuator.Outcome {
	if err := s.prov.Scale(ctx, in.Ref, s.to); err != nil {
		panic(err)
	}
	return s.a.Apply(ctx, in)
}
