package scaler

import (
	"testing"
	"time"
)

// doc.go: "a ±tolerance dead band around the current replicas' capacity";
// README: "no change while load is within ± this share of capacity".
// com.openfaas.scale.target accepts any finite number above 0 (spec.check),
// so 1e308 is a valid target: one replica carries any load, and a function
// at 4 replicas with no load at all is 100 % away from its capacity.
//
// The band once compared loads: the capacity cur × per-replica target =
// 4e308 overflowed to +Inf, |0 − Inf| ≤ 0.10 × Inf held, and the decision
// was "within tolerance: keep 4" for ever. Expected (down window 0, so no
// stabilisation): the raw recommendation 0 → floor 1, rate-limited to
// ceil(4 × 0.5) = 2.
func TestHugeTargetToleranceOverflow(t *testing.T) {
	fn := fnWith(map[string]string{LabelTarget: "1e308", LabelTargetProportion: "1", LabelDownWindow: "0s"}, nil)
	spec, err := ParseSpec(fn, testDefaults())
	if err != nil {
		t.Fatalf("ParseSpec: %v (accepted labels must act sensibly)", err)
	}
	zero := 0.0
	obs := Observation{Replicas: 4, Available: 4, StableLoad: &zero, BurstLoad: &zero, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 2 {
		t.Errorf("target 1e308, no load, 4 replicas, down window 0: got %d (%s: %q); want 2 (scale down, rate-limited to half)", d.Replicas, d.Code, d.Reason)
	}
	// A load within the band of one such replica is still held.
	load := 1.05e308
	obs = Observation{Replicas: 1, Available: 1, StableLoad: &load, BurstLoad: &load, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 1 || d.Code != CodeWithinTolerance {
		t.Errorf("target 1e308, load 1.05e308 at 1 replica: got %d (%s: %q); want keep 1 within tolerance", d.Replicas, d.Code, d.Reason)
	}
}
