package main

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// stepThenStop drives one KPA controller with `inflight` requests in flight
// for five minutes, then none, and returns how long after the load stopped
// it reached zero (0 when it never did).
func stepThenStop(t *testing.T, concurrency int, inflight float64) time.Duration {
	t.Helper()
	t0 := time.Date(2019, 7, 15, 0, 0, 0, 0, time.UTC)
	stop := t0.Add(5 * time.Minute)
	c := DefaultKPA().NewController(sim.FunctionInfo{ID: "f", Concurrency: concurrency, ColdStart: 2 * time.Second}, t0)
	st := sim.State{}
	load := inflight
	d := c.Arrival(t0, st)
	st.Desired = d.Replicas
	last := t0
	for i := 0; i < 2000 && !d.Wake.IsZero(); i++ {
		now := d.Wake
		st.LoadSeconds += load * now.Sub(last).Seconds()
		last = now
		if !now.Before(stop) {
			load = 0
		}
		st.Ready, st.Inflight = st.Desired, int(load)
		d = c.Wake(now, st)
		if d.Replicas != sim.Keep {
			st.Desired = d.Replicas
		}
		if st.Desired == 0 && load == 0 {
			return now.Sub(stop)
		}
	}
	return 0
}

// TestKPATakesTheFastPathToZeroInProxyMode: Knative's reconciler scales an
// inactive revision to zero as soon as its ServerlessService has been in
// proxy mode (the activator in the path) for the scale-to-zero grace period
// (kpa/scaler.go handleScaleToZero: "Fast path scaling to 0"), about 3 s
// after the PA is marked inactive (its re-enqueue). The SKS is in proxy
// mode whenever the decider's excess burst capacity is negative
// (ready × container concurrency − target burst capacity 211 − panic load;
// kpa.go: serve only when want > 0 and EBC ≥ 0) or it wants zero. With 6
// replicas of concurrency 10 under 40 in flight the EBC is negative
// throughout, so zero comes ~3 s after the decider asks for it (the stable
// window, 60 s), not the grace period later; with concurrency 1000 one
// replica has excess capacity, the SKS serves, switches to proxy when the
// decider wants zero, and the grace period runs from there (~90 s).
//
// Seen failing before the fix: the wrapper waited the grace period after
// every ask for zero: 90 s in proxy mode too.
func TestKPATakesTheFastPathToZeroInProxyMode(t *testing.T) {
	for _, c := range []struct {
		name        string
		concurrency int
		lo, hi      time.Duration
	}{
		{"proxy mode throughout (EBC < 0)", 10, 60 * time.Second, 66 * time.Second},
		{"serve mode until the decider wants zero (EBC ≥ 0)", 1000, 88 * time.Second, 96 * time.Second},
	} {
		z := stepThenStop(t, c.concurrency, 40)
		if z < c.lo || z > c.hi {
			t.Errorf("%s: zero %v after the load stopped, want %v–%v", c.name, z, c.lo, c.hi)
		}
	}
}
