package scaler

import (
	"testing"
	"time"
)

// TestNoSeriesResolutionEndsAStep: Grafana's resolution for a series
// that left the query (Signal.NoSeries) ends a step-mode firing episode,
// as any resolution does (review 52B: Grafana sends no other resolution for
// a rule with its threshold in the query).
func TestNoSeriesResolutionEndsAStep(t *testing.T) {
	start := t0.Add(-time.Minute)
	ce := &Signal{Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start}
	gone := &Signal{Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: "c", StartsAt: start, NoSeries: true}

	spec := stepSpec(func(s *Spec) { s.Max = 20 })
	d := Decide(spec, withSignal(1, ce), State{}, t0)
	d = Decide(spec, withSignal(d.Replicas, gone), d.Next, t0.Add(time.Minute))
	if d.Next.RampStart.IsZero() {
		t.Errorf("step: a NoSeries resolution: %d (%s, %q), want the way down started", d.Replicas, d.Code, d.Reason)
	}

}
