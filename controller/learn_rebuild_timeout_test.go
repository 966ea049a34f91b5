package controller

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
)

// stuckHistory is a Prometheus that answers no range query: each waits
// until its context ends, and the last such end is recorded (the rebuild
// bounds its count across the lookback at a part of its time, and is given
// up on when its whole bound ends).
type stuckHistory struct {
	mu    sync.Mutex
	ended time.Time
}

func (h *stuckHistory) QueryRange(ctx context.Context, _ string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	<-ctx.Done()
	h.mu.Lock()
	h.ended = time.Now()
	h.mu.Unlock()
	return nil, nil, nil, ctx.Err()
}

func (h *stuckHistory) end() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ended
}

// TestLearnBoundsTheRebuildAtRebuildTimeout: the rebuild from history ends
// at keep_alive.rebuild_timeout, on virtual time: a Prometheus that never
// answers is given up on at 2 m when the key says 2m, not at the 30 s the
// bound was hard-coded at.
//
// Seen failing with Learn's bound put back to 30*time.Second: "the rebuild
// was given up on 30s after the start, want 2m0s".
func TestLearnBoundsTheRebuildAtRebuildTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = time.Hour
		cfg.KeepAlive.RebuildTimeout = 2 * time.Minute
		hist := &stuckHistory{}
		ctl, _, _ := learnOver(t, cfg, hist)
		start := time.Now()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(5 * time.Minute)
		cancel()
		<-done
		if got := hist.end().Sub(start); got != cfg.KeepAlive.RebuildTimeout {
			t.Errorf("the rebuild was given up on %s after the start, want %s", got, cfg.KeepAlive.RebuildTimeout)
		}
	})
}

// slowParts is a day of started counters from from, each function's
// called at the minutes of calls, present all day (the gateway started
// before it), whose every part takes 4 s to answer; the series are counted
// as a fleet of 3,500's, so the day is read in 11 parts.
type slowParts struct {
	from  time.Time
	calls map[string][]int
}

func (h slowParts) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch q {
	case keepalive.RebuildSeriesQuery():
		return model.Matrix{{Metric: model.Metric{}, Values: []model.SamplePair{
			{Timestamp: model.TimeFromUnixNano(r.End.UnixNano()), Value: 3500}}}}, nil, nil, nil
	case keepalive.RebuildQuery():
	default:
		return model.Matrix{}, nil, nil, nil
	}
	select {
	case <-time.After(4 * time.Second):
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
	var m model.Matrix
	for name, calls := range h.calls {
		s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(name + "." + ns), "instance": "gw:8080"}}
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			v := 1.0
			for _, c := range calls {
				if at.Sub(h.from) >= time.Duration(c)*time.Minute {
					v++
				}
			}
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(v)})
		}
		m = append(m, s)
	}
	return m, nil, nil, nil
}

// TestLearnRebuildsTheRecentHistoryThatFits: Learn's rebuild reads the
// newest parts that fit in keep_alive.rebuild_timeout (keepalive's
// RebuildWithin), so a function called in the last hour before the
// restart is known at once; read oldest first, the day's 11 parts of 4 s
// did not fit in 30 s and the last hour was never read.
//
// Seen failing with Learn calling Rebuild: "the function called in the
// last hour before the start is not known after the rebuild".
func TestLearnRebuildsTheRecentHistoryThatFits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		start := time.Now()
		ctl, _, _ := learnOver(t, cfg, slowParts{from: start.Add(-24 * time.Hour), calls: map[string][]int{"fn": {1400, 1410, 1420, 1430}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(time.Minute)
		e, ok := ctl.KeepAlive.Explain(ref("fn"), cfg.Defaults.ZeroDuration, time.Now())
		cancel()
		<-done
		if !ok || e.IdleTimes < 2 {
			t.Errorf("the function called in the last hour before the start is not known after the rebuild (known %v, %d idle times), want its calls learned", ok, e.IdleTimes)
		}
	})
}
