package scaler

import (
	"testing"
	"time"
)

// doc.go: "scale-down only to the highest recommendation of the down
// window"; com.openfaas.scale.down.window accepts up to 1h (MaxDownWindow).
//
// record caps the history at maxRecommendations (512). It once dropped the
// OLDEST entries, and keepBinding keeps every entry of a decreasing run
// (none is dominated), so a load that fell steadily for longer than 512
// evaluations -- 43 minutes of 5 s ticks, far less with the 1 s follow-ups
// -- lost its highest recommendations while they were still inside a 1h
// window, and the count fell before its time.
//
// Figures: down window 1h, max 1000, 700 replicas, 45 load per replica. At
// tick i (every 5 s) the load is 45 × (700 − i): the raw recommendation
// falls by one each tick. Until tick 720 (1h) the first recommendation,
// 700, is in the window: keep 700 (checked to tick 600, 50 min). Cut
// oldest first, the 700 went at tick 512 (42m40s) and the count fell one
// replica a tick (699, 698, ...; 611 at tick 600).
func TestDownWindowHistoryCapKeepsBindingRecommendation(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 1000; s.DownWindow = time.Hour })
	var st State
	var d Decision
	for i := 0; i <= 600; i++ {
		load := 45 * float64(700-i)
		obs := Observation{Replicas: 700, Available: 700, StableLoad: &load, BurstLoad: &load,
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}
		now := t0.Add(time.Duration(i) * 5 * time.Second)
		d = Decide(spec, obs, st, now)
		st = d.Next
		st.Recommendations = keepBinding(d.Next.Recommendations, nil) // as the loop keeps them
		if len(st.Recommendations) > maxRecommendations {
			t.Fatalf("tick %d: %d recommendations kept, cap %d", i, len(st.Recommendations), maxRecommendations)
		}
		if i < 600 && d.Replicas != 700 {
			t.Fatalf("tick %d (%v into a 1h window that began with a recommendation of 700): %d (%s: %q); want 700",
				i, time.Duration(i)*5*time.Second, d.Replicas, d.Code, d.Reason)
		}
	}
	if d.Replicas != 700 {
		t.Errorf("tick 600 (50 min into the 1h window): %d (%s: %q); want 700", d.Replicas, d.Code, d.Reason)
	}
}

// Squeezing holds no less than the whole history would at any later
// moment, and not much more: a run falling one replica per 5 s for 1000
// ticks in a 1h window (720 in it) kept in 512 entries, compared with the
// uncapped highest at every tick of the two hours after.
func TestSqueezeHoldsNoLessThanTheWholeHistory(t *testing.T) {
	const window = time.Hour
	var capped, all []Recommendation
	at := func(i int) Instant { return InstantOf(t0.Add(time.Duration(i) * 5 * time.Second)) }
	for i := range 1000 {
		r := Recommendation{At: at(i), Replicas: uint64(2000 - i)}
		capped = keepBinding(record(capped, r, window), nil)
		all = append(all, r)
	}
	worst := uint64(0)
	for j := 1000; j < 1000+1440; j++ {
		now := at(j).Time()
		var exact uint64
		for _, r := range all {
			if time.Duration(at(j)-r.At) <= window {
				exact = max(exact, r.Replicas)
			}
		}
		var got uint64
		for _, r := range capped {
			if time.Duration(at(j)-r.At) <= window {
				got = max(got, r.Replicas)
			}
		}
		if got < exact {
			t.Fatalf("%v: squeezed history holds %d, the whole one %d: a binding recommendation was lost", now, got, exact)
		}
		worst = max(worst, got-exact)
	}
	t.Logf("squeezed history holds at most %d replicas more than the whole one", worst)
	if worst > 2 {
		t.Errorf("squeezed history holds up to %d replicas more than the whole one; want at most 2", worst)
	}
}
