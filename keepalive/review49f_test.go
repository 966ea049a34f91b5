package keepalive

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview49fHandoffAtAShortLearnStep: controller.Learn rebuilds at
// one-minute steps (RebuildStep) up to upTo and tells the feeder
// ReadsFrom(upTo); keep_alive.learn_step may be as short as 1 s. The
// rebuild places a call of its last step at the step's middle (30 s before
// upTo, for one call); the feeder's first read counts from one learn step
// before upTo (5 s here), so a call scraped in between is counted again
// there, and since the read's window starts 25 s after where the rebuild
// placed it, the second count ends an idle time of about 30 s that nobody
// saw: one call, learned as two calls 30 s apart.
func TestReview49fHandoffAtAShortLearnStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "fn"}
		t0 := time.Now()
		src := &appendLagged{t0: t0, calls: []time.Time{
			t0.Add(-2 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-3 * time.Second), t0.Add(5 * time.Minute)}}
		p := mustPolicy(t)
		upTo := time.Now()
		if _, err := p.Rebuild(t.Context(), src, upTo, time.Hour, time.Minute, "fn"); err != nil {
			t.Fatal(err)
		}
		f := &Feeder{Policy: p, Source: src, Step: 5 * time.Second}
		f.ReadsFrom(upTo, time.Minute)
		ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
		defer cancel()
		_ = f.Run(ctx)
		if got := idleTimes(p, ref); !tenThenFive(got) {
			t.Errorf("learn_step 5s: idle times %v; want two, about 10m and 5m (the call 3 s before the restart counted once)", got)
		}
	})
}

// scriptedTotals answers StartedTotals with one series whose value at a
// read is values[at] (a read at a time not scripted fails).
type scriptedTotals struct {
	ref    provider.Ref
	values map[time.Time]float64
}

func (s *scriptedTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("not read: the source has StartedTotals")
}

func (s *scriptedTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	v, ok := s.values[at]
	if !ok {
		return buf[:0], errors.New("not scripted")
	}
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: 1, N: v}), nil
}

// TestReview49fNegativeCounterReadIsNoCall: a counter read once as a
// negative value (a broken exporter or proxy: the rebuild's seriesCounts
// skips such a value, "as a missed scrape is, rather than poisoning every
// difference after it") and then as before. The feeder's StartedTotals
// keeps it (only non-finite values are left out) and TotalsDiff reads it
// as a reset: the next read counts the whole distance back up, calls
// nobody made, where the rebuild over the same values learns none.
func TestReview49fNegativeCounterReadIsNoCall(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	step := time.Minute
	src := &scriptedTotals{ref: ref, values: map[time.Time]float64{
		t0: 3, t0.Add(step): 3, t0.Add(2 * step): -1000, t0.Add(3 * step): 3,
	}}
	f := &Feeder{Policy: mustPolicy(t), Source: src, Step: step}
	called := 0
	for k := 1; k <= 3; k++ {
		called += f.RunOnce(t.Context(), t0.Add(time.Duration(k)*step))
	}
	if called != 0 {
		t.Errorf("a counter read 3, 3, -1000, 3: the feeder learned calls in %d step(s); want none (the rebuild over the same values learns none)", called)
	}
}
