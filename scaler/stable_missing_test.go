package scaler

import (
	"strings"
	"testing"
	"time"
)

// TestMissingStableReadingStillScalesUpOnTheBurstWindow: each (type,
// window) is its own query, so the stable reading can be missing while the
// burst reading is there (the longer query timing out or failing, a gap the
// source will not average over). Missing is not zero, so nothing scales
// down on it; but the burst window is the evidence every scale-up rests on
// ("up on the freshest evidence"), and a function whose burst reading
// needed 9 replicas was held at 2 ("no rps load: keep 2") until the stable
// query came back. It scales up on the burst reading, and still never
// down.
//
// Seen failing before: "stable missing, burst 400 at 2 replicas: 2
// (no_data: \"no rps load: keep 2\"), want 9".
func TestMissingStableReadingStillScalesUpOnTheBurstWindow(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 20 }) // 50 × 0.9 = 45 a replica
	obs := func(cur uint64, burst float64) Observation {
		return Observation{Replicas: cur, Available: cur, StableWindow: time.Minute,
			BurstLoad: ptr(burst), BurstWindow: 10 * time.Second}
	}
	// 400/45 needs 9, and crosses the burst threshold (2 × 2 × 45).
	d := Decide(spec, obs(2, 400), State{}, t0)
	if d.Replicas != 9 {
		t.Errorf("stable missing, burst 400 at 2 replicas: %d (%s: %q), want 9", d.Replicas, d.Code, d.Reason)
	}
	if !strings.Contains(d.Reason, "over 10s") {
		t.Errorf("the reason does not name the burst window it scaled on: %q", d.Reason)
	}
	// 150/45 needs 4: above 3, under the burst threshold (2 × 3 × 45).
	d = Decide(spec, obs(3, 150), State{}, t0)
	if d.Replicas != 4 || d.Code != CodeScaleUp {
		t.Errorf("stable missing, burst 150 at 3 replicas: %d (%s: %q), want 4 (scale_up)", d.Replicas, d.Code, d.Reason)
	}
	// Never down on a missing stable reading, whatever the burst says.
	for _, burst := range []float64{0, 45, 100} {
		if d := Decide(spec, obs(6, burst), State{}, t0); d.Replicas != 6 || d.Code != CodeNoData {
			t.Errorf("stable missing, burst %g at 6 replicas: %d (%s: %q), want 6 (no_data)", burst, d.Replicas, d.Code, d.Reason)
		}
	}
}
