package scaler

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// decide.go (decideTarget): "Scale up on the freshest evidence, down only
// on the stable average ... Capacity added this way is held by the down
// window, so a short spike costs replicas for one window, never a flap."
// doc.go: "scale-down only to the highest recommendation of the down
// window".
//
// A wake from zero is capacity added on the freshest evidence (the burst
// window: wakeFromZero); it once recorded no recommendation, so nothing in
// the down window held it. The evaluation right after the wake (a
// follow-up one second later, or the next tick) saw the stable average,
// still diluted by the idle minute before the step, and halved the count
// at once, although the burst reading still needed every replica woken;
// the evaluation after that scaled up again: 0 → 10 → 5 → 10.
//
// Figures (rps, target 50 × 0.90 = 45 per replica, down window 2m): a step
// to 450 rps at t0−10s. At t0 the burst (10 s) reading is 450 → needs 10:
// woken to 10. At t0+5s, 10 ready: burst 450 (needs 10 = cur, so no
// burst-over-stable scale-up, and 450 < 2 × 10 × 45: no burst mode),
// stable 60 s average 450 × 15/60 = 112.5 → 3. The wake's 10, recorded,
// is the highest of the down window: keep 10. Unrecorded, the window held
// only this tick's 3 → scale down, rate-limited to 5.
func TestWakeFromZeroIsHeldByDownWindow(t *testing.T) {
	spec := specFrom(nil) // down window 2m
	burst := 450.0
	stable0 := 75.0
	d := Decide(spec, Observation{Replicas: 0, StableLoad: &stable0, BurstLoad: &burst,
		StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0)
	if d.Replicas != 10 || d.Code != CodeFromZero {
		t.Fatalf("setup: wake gave %d (%s: %q), want 10 from zero", d.Replicas, d.Code, d.Reason)
	}
	if want := []Recommendation{{At: InstantOf(t0), Replicas: 10}}; !slices.Equal(d.Next.Recommendations, want) {
		t.Errorf("the wake recorded %+v, want %+v (the load's need, no expiry)", d.Next.Recommendations, want)
	}
	stable1 := 112.5
	d2 := Decide(spec, Observation{Replicas: 10, Available: 10, StableLoad: &stable1, BurstLoad: &burst,
		StableWindow: time.Minute, BurstWindow: 10 * time.Second}, d.Next, t0.Add(5*time.Second))
	if d2.Replicas != 10 {
		t.Errorf("5 s after a wake to 10 on a burst reading that still needs 10: got %d (%s: %q); "+
			"want 10 (the wake's capacity held by the down window)", d2.Replicas, d2.Code, d2.Reason)
	}
	// And the flap: the next evaluation scales up again.
	if d2.Replicas < 10 {
		d3 := Decide(spec, Observation{Replicas: d2.Replicas, Available: d2.Replicas, StableLoad: &stable1, BurstLoad: &burst,
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}, d2.Next, t0.Add(10*time.Second))
		t.Logf("then: %d → %d (%s)", d2.Replicas, d3.Replicas, d3.Code)
	}
}

// The same through the loop: the wake's follow-up, one second later, once
// halved the function it had just woken.
func TestWakeFromZeroFollowUpKeepsTheWake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 0, nil))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 75)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 450)
		ctx := t.Context()
		if err := e.loop.Tick(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if n := e.prov.replicas(refA); n != 10 {
			t.Fatalf("setup: woken to %d, want 10", n)
		}
		time.Sleep(time.Second)
		e.src.SetWindow("rps", DefaultStableWindow, refA, 82.5) // 11 s of 450 over 60 s
		if err := e.loop.FollowUp(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if n := e.prov.replicas(refA); n != 10 {
			f, _ := e.loop.Explain(refA)
			t.Errorf("follow-up 1 s after a wake to 10, burst reading still 450 (needs 10): %d replicas; want 10. Decisions: %+v", n, f.Decisions)
		}
	})
}

// What a wake records is the load's need, not the floor: min 4 and a burst
// reading that needs 2 wake the function to 4 and record 2 (the floor
// holds itself). A wake on a firing alert's load, which Prometheus does
// not confirm yet, records its need with the expiry every alert's
// recommendation carries: one stable window. A wake on an alert without a
// load records nothing.
func TestWakeRecordsTheLoadsNeed(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Min = 4 })
	burst := 90.0 // 2 replicas at 45
	d := Decide(spec, Observation{Replicas: 0, BurstLoad: &burst, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0)
	if want := []Recommendation{{At: InstantOf(t0), Replicas: 2}}; d.Replicas != 4 || !slices.Equal(d.Next.Recommendations, want) {
		t.Errorf("min 4, burst needs 2: woke to %d recording %+v; want 4 recording %+v", d.Replicas, d.Next.Recommendations, want)
	}

	spec = specFrom(nil)
	alertLoad := 450.0
	sig := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "f", Load: &alertLoad}
	d = Decide(spec, Observation{Replicas: 0, Signal: sig, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0)
	want := []Recommendation{{At: InstantOf(t0), Replicas: 10, Expires: InstantOf(t0.Add(time.Minute))}}
	if d.Replicas != 10 || !slices.Equal(d.Next.Recommendations, want) {
		t.Errorf("alert load 450 at zero: woke to %d recording %+v; want 10 recording %+v", d.Replicas, d.Next.Recommendations, want)
	}
	// A minute on, with still no data, the alert's 10 holds nothing.
	if hi := highest(d.Next.Recommendations, t0.Add(time.Minute)); hi != 0 {
		t.Errorf("a stable window after the alert's wake: highest %d, want 0", hi)
	}

	sig.Load = nil
	d = Decide(spec, Observation{Replicas: 0, Signal: sig, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0)
	if d.Replicas != 1 || len(d.Next.Recommendations) != 0 {
		t.Errorf("alert without load at zero: woke to %d recording %+v; want 1 recording nothing", d.Replicas, d.Next.Recommendations)
	}
}

// TestAtZeroAlertsLoadReachesBackItsWindow: the generated at-zero alert
// (FunctionAtZeroWithLoad) compares the load record, the rules' window
// average, and fires as soon as the replica gauge reads 0: right after an
// idle it still carries the calls from before it (a keep-alive shorter
// than the window), and for a cpu function always, its removed pod's CPU
// for the CPU window. Taken as fresh evidence (Evidence 0), the actuator's
// guard against a wake on load older than the idle did not apply and the
// function just idled was woken again within seconds; every cpu function
// idled was. A wake on an alert's load now reaches back one stable window
// (the rules' windows are within it at the defaults), so the actuator
// drops it until the window holds only time after the idle.
//
// Seen failing before the fix (found by a review of the rules, through
// promtool: the alert fired at 5m5s, 5m20s and 5m40s after an idle at 5m
// on the removed pod's 2 milli-CPU): at zero, a firing at-zero alert with
// load 2: wake on evidence 0s, want it to reach back the stable window 1m0s
func TestAtZeroAlertsLoadReachesBackItsWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type = "cpu" })
	sig := &Signal{Status: Firing, AlertName: "FunctionAtZeroWithLoad", ScalingType: "cpu", Fingerprint: "fp",
		StartsAt: t0, Received: t0, Load: ptr(2)}
	obs := Observation{Replicas: 0, Available: 0, StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas == 0 {
		t.Fatalf("setup: a firing at-zero alert with load woke nothing (%s: %q)", d.Code, d.Reason)
	}
	if d.Evidence < obs.StableWindow {
		t.Errorf("at zero, a firing at-zero alert with load 2: wake on evidence %v, want it to reach back the stable window %v",
			d.Evidence, obs.StableWindow)
	}
}
