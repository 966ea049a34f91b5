package scaler

import (
	"math"
	"strings"
	"testing"
	"time"
)

// DESIGN.md: "Missing is not zero"; Observation: "nil means missing, which
// is never read as zero"; doc.go: "Missing load never scales anything
// down". A NaN reading is not a load (no replica count can be derived from
// it): the sources drop NaN as missing (metricsource/prometheus source.go
// "NaN or infinite values, are left out: missing, not zero"), and repeat.go
// expects NaN to reach Decide ("A NaN is never the same").
//
// Decide once read a NaN load as zero: replicasFor(NaN) is 0 (`!(load >
// 0)`), so a function at 10 replicas was halved (rate-limited to 5) on a
// reading that says nothing. Expected: the no-data decision, keep 10. The
// same for ±Inf and a negative reading, neither of them an amount of load.
func TestNaNLoadIsNotZero(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -3} {
		spec := specFrom(nil)
		obs := Observation{Replicas: 10, Available: 10, StableLoad: &v, BurstLoad: &v,
			StableWindow: time.Minute, BurstWindow: 10 * time.Second}
		d := Decide(spec, obs, State{}, t0)
		if d.Replicas != 10 || d.Code != CodeNoData || !strings.Contains(d.Reason, "is no reading") {
			t.Errorf("load %g at 10 replicas: got %d (%s: %q); want keep 10, no data (%g is no evidence of low load)", v, d.Replicas, d.Code, d.Reason, v)
		}
	}
}

// A NaN burst reading beside a usable stable one is missing: the decision
// rests on the stable load (180 rps at 4 replicas: within tolerance).
func TestNaNBurstReadingIsIgnored(t *testing.T) {
	nan, stable := math.NaN(), 180.0
	obs := Observation{Replicas: 4, Available: 4, StableLoad: &stable, BurstLoad: &nan,
		StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	if d := Decide(specFrom(nil), obs, State{}, t0); d.Replicas != 4 || d.Code != CodeWithinTolerance {
		t.Errorf("stable 180, burst NaN at 4 replicas: got %d (%s: %q); want keep 4 within tolerance", d.Replicas, d.Code, d.Reason)
	}
	// At zero, a NaN burst reading wakes nothing, and a NaN backlog neither.
	obs = Observation{Replicas: 0, BurstLoad: &nan, Queued: &nan, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	if d := Decide(specFrom(nil), obs, State{}, t0); d.Replicas != 0 {
		t.Errorf("at zero, burst and backlog NaN: got %d (%s: %q); want 0", d.Replicas, d.Code, d.Reason)
	}
}
