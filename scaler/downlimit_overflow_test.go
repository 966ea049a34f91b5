package scaler

import (
	"math"
	"testing"
	"time"
)

// Defaults.ScaleDownRate: "the smallest share of current replicas one
// evaluation may keep"; with --scale-down-rate 1 (allowed: (0, 1]) no
// evaluation may scale down at all. com.openfaas.scale.max accepts any
// uint64, and the scale-up side saturates its float conversion
// (ceilToUint: "Go's conversion of a float beyond it is
// implementation-defined").
//
// The scale-down limit was uint64(math.Ceil(float64(cur) × rate)): for a
// count near the top of the uint64 range float64(cur) rounds to 2^64, the
// conversion is out of range (2^63 on amd64), and the function was halved
// in one evaluation although a rate of 1 allows no scale-down. Expected:
// keep the count (limit = cur); a rate of ½ still halves.
func TestDownLimitFloatOverflow(t *testing.T) {
	zero := 0.0
	cur := uint64(math.MaxUint64)
	obs := Observation{Replicas: cur, Available: cur, StableLoad: &zero, BurstLoad: &zero, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	spec := specFrom(func(s *Spec) { s.Max = math.MaxUint64; s.ScaleDownRate = 1; s.DownWindow = 0 })
	if d := Decide(spec, obs, State{}, t0); d.Replicas != cur {
		t.Errorf("scale-down rate 1 at %d replicas: got %d (%s: %q); want no scale-down", cur, d.Replicas, d.Code, d.Reason)
	}
	spec.ScaleDownRate = 0.5
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 1<<63 || d.Code != CodeRateLimited {
		t.Errorf("scale-down rate ½ at %d replicas: got %d (%s: %q); want 2^63, rate-limited", cur, d.Replicas, d.Code, d.Reason)
	}
}
