package scaler

import (
	"testing"
	"time"
)

// TestScaleDownStopsAtWhatTheBurstReadingNeeds: the stable average lags a
// rising load by up to its window. With the down window holding nothing
// higher (the load had been low for longer than it), a function at 10
// whose stable average needed 3 while its burst window read 400 (needing
// 9, under the burst threshold of 2 × 10 ready) was scaled down to 5 on
// the stable average: below what the load it serves now needs, and back
// up on the next evaluation (a flap). Scale-down goes no lower than the
// fresh reading needs; the stable average still decides that it goes
// down at all.
//
// Seen failing before: "stable 100 (needs 3), burst 400 (needs 9) at 10:
// scaled to 5 (rate_limited: \"rps 100 (1m0s avg) over target 50×0.90 on
// 10 ready wants 3; scale-down limit 0.5×10 → 5\"), want 9 (scale_down)".
func TestScaleDownStopsAtWhatTheBurstReadingNeeds(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 20 }) // 50 × 0.9 = 45 a replica
	obs := func(cur uint64, stable, burst float64) Observation {
		return Observation{Replicas: cur, Available: cur, StableLoad: ptr(stable), StableWindow: time.Minute,
			BurstLoad: ptr(burst), BurstWindow: 10 * time.Second}
	}
	d := Decide(spec, obs(10, 100, 400), State{}, t0)
	if d.Replicas != 9 || d.Code != CodeScaleDown {
		t.Errorf("stable 100 (needs 3), burst 400 (needs 9) at 10: scaled to %d (%s: %q), want 9 (scale_down)", d.Replicas, d.Code, d.Reason)
	}
	// The window remembers what the burst reading needed, so the next
	// evaluation does not go lower on a dip of the burst reading.
	if h := highest(d.Next.Recommendations, t0); h != 9 {
		t.Errorf("recorded %d, want the burst reading's 9 (recommendations %v)", h, d.Next.Recommendations)
	}
	// A burst reading that needs the current count holds it.
	if d := Decide(spec, obs(10, 100, 440), State{}, t0); d.Replicas != 10 {
		t.Errorf("stable 100 (needs 3), burst 440 (needs 10) at 10: scaled to %d (%s: %q), want 10", d.Replicas, d.Code, d.Reason)
	}
	// Control: a burst reading at or below the stable one changes nothing.
	if d := Decide(spec, obs(10, 100, 50), State{}, t0); d.Replicas != 5 || d.Code != CodeRateLimited {
		t.Errorf("stable 100, burst 50 at 10: scaled to %d (%s: %q), want 5 (rate_limited)", d.Replicas, d.Code, d.Reason)
	}
}
