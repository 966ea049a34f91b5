package scaler

import "testing"

// doc.go: "rate limits per evaluation (up to max(2×, +4), down to at most
// half); and the bounds [max(min, 1, scheduled minimum), max]" -- the bounds
// come last, so no decision of a running function may end below its floor.
//
// A function at 1 replica whose floor was raised to 10 (a label change
// min=10, or a scheduled minimum of 10) and whose load needs 20 replicas
// (stable 900 / 45 per replica; no burst reading, so no burst mode): the
// scale-up limit is max(2×1, 1+4) = 5, the floor 10, so the decision must
// be at least 10 (the floor is above the rate limit; the same function
// with no load at all goes straight to 10). limitAndClamp once let the
// scale-up limit win on the way up and returned 5, below min.
func TestUpLimitNeverBelowFloor(t *testing.T) {
	load := 900.0 // 20 replicas at 50 × 0.90
	t.Run("label min", func(t *testing.T) {
		spec := specFrom(func(s *Spec) { s.Min, s.Max = 10, 30 })
		obs := Observation{Replicas: 1, Available: 1, StableLoad: &load, StableWindow: DefaultStableWindow, BurstWindow: DefaultBurstWindow}
		d := Decide(spec, obs, State{}, t0)
		if d.Replicas != 10 || d.Code != CodeAtMin {
			t.Errorf("min 10, cur 1, load needs 20: got %d (%s: %q); want the floor 10 (at_min)", d.Replicas, d.Code, d.Reason)
		}
		// With no load at all, the same function goes to its floor.
		zero := 0.0
		obs.StableLoad = &zero
		if d0 := Decide(spec, obs, State{}, t0); d0.Replicas != 10 {
			t.Fatalf("control: no load gives %d, want 10", d0.Replicas)
		}
	})
	t.Run("scheduled min", func(t *testing.T) {
		spec := specFrom(func(s *Spec) { s.Max = 30 })
		obs := Observation{Replicas: 1, Available: 1, StableLoad: &load, StableWindow: DefaultStableWindow, BurstWindow: DefaultBurstWindow,
			ScheduledMin: 10, ScheduledMinReason: "office hours"}
		d := Decide(spec, obs, State{}, t0)
		if d.Replicas != 10 || d.Code != CodeScheduledMin {
			t.Errorf("scheduled min 10, cur 1, load needs 20: got %d (%s: %q); want the scheduled minimum 10", d.Replicas, d.Code, d.Reason)
		}
	})
	t.Run("limit above floor still binds", func(t *testing.T) {
		// Control: with the floor under the limit, the limit binds as before.
		spec := specFrom(func(s *Spec) { s.Min, s.Max = 3, 30 })
		obs := Observation{Replicas: 1, Available: 1, StableLoad: &load, StableWindow: DefaultStableWindow, BurstWindow: DefaultBurstWindow}
		if d := Decide(spec, obs, State{}, t0); d.Replicas != 5 || d.Code != CodeRateLimited {
			t.Errorf("min 3, cur 1, load needs 20: got %d (%s: %q); want 5, rate-limited", d.Replicas, d.Code, d.Reason)
		}
	})
}
