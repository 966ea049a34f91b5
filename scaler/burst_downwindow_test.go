package scaler

import (
	"testing"
	"time"
)

// TestBurstCapacityHeldWithADownWindowOfOneStableWindow: with a down
// window no longer than the stable window, the count a burst brought
// dropped at the very evaluation burst mode ended (the window held only
// each reading's fallen need). It is held a down window after the burst.
func TestBurstCapacityHeldWithADownWindowOfOneStableWindow(t *testing.T) {
	const down = 30 * time.Second
	spec := specFrom(func(s *Spec) { s.DownWindow = down })
	now, st, cur := t0, State{}, uint64(2)
	step := func(burst, stable float64) Decision {
		o := Observation{Replicas: cur, Available: cur, StableLoad: ptr(stable), BurstLoad: ptr(burst),
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}
		d := Decide(spec, o, st, now)
		st, cur = d.Next, d.Replicas
		return d
	}
	if d := step(900, 100); d.Replicas != 20 {
		t.Fatalf("setup: %d %s (%q), want burst to 20", d.Replicas, d.Code, d.Reason)
	}
	var ended time.Time
	for i := 0; i < 40; i++ {
		now = now.Add(5 * time.Second)
		d := step(100, 100)
		if ended.IsZero() && d.Next.BurstSince.IsZero() {
			ended = now
		}
		if !ended.IsZero() && now.Sub(ended) < down && d.Replicas != 20 {
			t.Fatalf("%v after the burst ended (down window %v): %d (%s: %q), want 20", now.Sub(ended), down, d.Replicas, d.Code, d.Reason)
		}
	}
	if ended.IsZero() || cur >= 20 {
		t.Fatalf("burst never ended, or never came down (%d)", cur)
	}
}

// TestBurstOnAnAlertsLoadAloneIsNotHeldADownWindow: the count burst mode
// holds is kept a down window after the burst only as far as the source's
// own readings asked for it; what an alert's load alone set expires with
// the alert's evidence, as before.
func TestBurstOnAnAlertsLoadAloneIsNotHeldADownWindow(t *testing.T) {
	const down = 10 * time.Minute
	spec := specFrom(func(s *Spec) { s.DownWindow = down })
	sig := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "a", StartsAt: t0, Load: ptr(900)}
	o := Observation{Replicas: 2, Available: 2, StableLoad: ptr(100), BurstLoad: ptr(100),
		StableWindow: time.Minute, BurstWindow: 10 * time.Second, Signal: sig}
	d := Decide(spec, o, State{}, t0)
	if d.Replicas != 20 || d.Code != CodeBurst {
		t.Fatalf("setup: the alert's load 900 at 2: %d %s (%q), want burst to 20", d.Replicas, d.Code, d.Reason)
	}
	now, st, cur := t0, d.Next, d.Replicas
	for i := 0; i < 60; i++ { // 5 min: well inside the down window
		now = now.Add(5 * time.Second)
		o := Observation{Replicas: cur, Available: cur, StableLoad: ptr(100), BurstLoad: ptr(100),
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}
		d = Decide(spec, o, st, now)
		st, cur = d.Next, d.Replicas
	}
	if cur >= 20 {
		t.Errorf("5 min after a burst only an alert's load asked for: %d (%s: %q), want below 20 (the alert's need expires)", cur, d.Code, d.Reason)
	}
}
