package keepalive

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// firstCallTotals is one gateway instance's started counters as the
// Prometheus source reads them: "busy" stands at 7 throughout (the
// gateway is scraped at every read), "fn" exists from its first call on,
// counting the calls made up to a read. Every series says when its
// gateway was last read before (GatewaySeen): at the read before.
type firstCallTotals struct {
	busy, fn provider.Ref
	calls    []time.Time
	prev     time.Time
}

func (s *firstCallTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *firstCallTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	var seen int64
	if !s.prev.IsZero() && s.prev.Before(at) {
		seen = s.prev.UnixNano()
	}
	s.prev = at
	out := append(buf[:0], metricsource.Total{Ref: s.busy, Series: 1, N: 7, GatewaySeen: seen})
	n := 0
	for _, c := range s.calls {
		if !c.After(at) {
			n++
		}
	}
	if n > 0 {
		out = append(out, metricsource.Total{Ref: s.fn, Series: 2, N: float64(n), GatewaySeen: seen})
	}
	return out, nil
}

// TestFeederLearnsTheIdleTimeAFirstCallAfterTheBaseStarts: a function
// never called before is called for the first time in the feeder's first
// step (its series made by that call), and again ten minutes later. Its
// gateway was read at the base, its other series in it: "fn"'s series was
// made since, its value calls of the step. LateAfterBase counted it late
// all the same (it did not tell it from a series stale at the base), and
// the ten-minute idle time it starts was not learned: seen failing so,
// "learned idle times [], want [10m0s]" (found by helper ka). Now a series
// whose gateway the base read counts on time (metricsource.TotalsDiff).
func TestFeederLearnsTheIdleTimeAFirstCallAfterTheBaseStarts(t *testing.T) {
	fn := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	start := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	src := &firstCallTotals{busy: provider.Ref{Name: "busy", Namespace: "openfaas-fn"}, fn: fn,
		calls: []time.Time{start.Add(30 * time.Second), start.Add(10*time.Minute + 30*time.Second)}}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: time.Minute}
	for m := 1; m <= 12; m++ {
		f.RunOnce(t.Context(), start.Add(time.Duration(m)*time.Minute))
	}
	if its, want := idleTimes(p, fn), []time.Duration{10 * time.Minute}; !slices.Equal(its, want) {
		t.Errorf("learned idle times %v, want %v: the first call (its series made in the first step, "+
			"its gateway read at the base without it) starts the idle time to the second", its, want)
	}
}
