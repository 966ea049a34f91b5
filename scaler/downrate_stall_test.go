package scaler

import (
	"testing"
	"time"
)

// scale_down_rate is "the smallest share of current replicas one
// evaluation may keep", in (0, 1]. The limit is ceil(cur × rate), so for
// any rate above 0.5 a small enough count can never go down: ceil(9 × 0.9)
// = 9, ceil(3 × 0.7) = 3. A function at 20 replicas with scale_down_rate
// 0.9 (10 % a step) and no load at all goes 20 → 18 → 17 → … → 10 → 9 and
// stays at 9 for ever, 8 replicas above its floor. The HPA rounds its
// percent scale-down policy the other way (int32(start × (1 − p)), a floor),
// so every step removes at least one pod. Found by a review helper.
func TestScaleDownRateNeverStalls(t *testing.T) {
	for _, rate := range []float64{0.7, 0.9} {
		d := DefaultDefaults()
		d.DownWindow = 0
		d.ScaleDownRate = rate
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		spec := specOver(t, d)
		now := time.Unix(1e9, 0)
		cur := uint64(20)
		var st State
		var last Decision
		for range 100 {
			obs := Observation{Replicas: cur, Available: cur, StableLoad: f64(0), BurstLoad: f64(0),
				StableWindow: time.Minute, BurstWindow: 10 * time.Second}
			last = Decide(spec, obs, st, now)
			st = last.Next
			cur = last.Replicas
			now = now.Add(5 * time.Second)
		}
		if cur != 1 {
			t.Errorf("scale_down_rate %g, no load, 100 evaluations from 20: stuck at %d (%s: %s), want 1",
				rate, cur, last.Code, last.Reason)
		}
	}
}

func specOver(t *testing.T, d Defaults) Spec {
	t.Helper()
	s, err := ParseSpec(function(refA, 1, nil), d)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
