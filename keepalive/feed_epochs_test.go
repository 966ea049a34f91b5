package keepalive

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// unscrapedSource answers StartedTotals as the Prometheus source does for
// one gateway instance that went unscraped from gapFrom to gapTo (its
// series stale: missing whole from those reads, its start time too) and,
// when restart is set, was restarted in place within that span: back, its
// counter counts the calls since the restart, and the source names its
// series anew (epochs.go: an instance missing whole and back with a new
// process start time), series 8 where it was 7. Each series carries when
// its gateway was last read before (GatewaySeen), as the source says.
type unscrapedSource struct {
	ref            provider.Ref
	calls          []time.Time
	gapFrom, gapTo time.Time
	restart        time.Time // zero: not restarted
	seen           time.Time // the last read the gateway was in
}

func (s *unscrapedSource) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *unscrapedSource) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	if !at.Before(s.gapFrom) && at.Before(s.gapTo) {
		return buf[:0], nil
	}
	restarted := !s.restart.IsZero() && !at.Before(s.restart)
	n := 0
	for _, c := range s.calls {
		if !c.After(at) && (!restarted || c.After(s.restart)) {
			n++
		}
	}
	series := uint64(7)
	if restarted {
		series = 8
	}
	var seen int64
	if !s.seen.IsZero() {
		seen = s.seen.UnixNano()
	}
	s.seen = at
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: series, N: float64(n), GatewaySeen: seen}), nil
}

// TestFeederLearnsNoIdleTimeFromAGatewayBackRestartedAfterAnUnscrapedSpan:
// a function called every 5 minutes; its gateway goes unscraped for 28
// minutes and is restarted in place within them, and the one call made in
// the span (after the restart) is read when the gateway is scraped again,
// under a new series (the source names the restarted process's series
// anew). When was that call? Anywhere in the span: learned at the read's
// step, it ends an idle time at a call nobody saw then (from the last call
// before the span, about 29 minutes) and starts one from there. Back
// without the restart, the same call is counted late (its series missing
// from many reads, metricsource.TotalsDiff), which ends no idle time and
// starts none. The two must learn the same.
func TestFeederLearnsNoIdleTimeFromAGatewayBackRestartedAfterAnUnscrapedSpan(t *testing.T) {
	learn := func(restarted bool) []time.Duration {
		var its []time.Duration
		synctest.Test(t, func(t *testing.T) {
			ref := provider.Ref{Name: "cron", Namespace: "fn"}
			p := mustPolicy(t)
			t0 := time.Now()
			src := &unscrapedSource{ref: ref, gapFrom: t0.Add(12 * time.Minute), gapTo: t0.Add(40 * time.Minute)}
			for _, m := range []time.Duration{0, 5, 10, 22, 45, 50, 55} {
				src.calls = append(src.calls, t0.Add(m*time.Minute+30*time.Second))
			}
			if restarted {
				src.restart = t0.Add(20 * time.Minute)
			}
			f := &Feeder{Policy: p, Source: src, Step: time.Minute}
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Minute+time.Second)
			defer cancel()
			_ = f.Run(ctx)
			its = idleTimes(p, ref)
		})
		return its
	}
	unrestarted, restarted := learn(false), learn(true)
	if !slices.Equal(restarted, unrestarted) {
		t.Errorf("back restarted after 28 unscraped minutes, learned idle times %v; back unrestarted, %v: want the same (the call read back is late either way)",
			restarted, unrestarted)
	}
}
