package controller

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowHistory is a Prometheus whose history holds no calls and answers
// no range query before ready.
type slowHistory struct{ ready time.Time }

func (h slowHistory) QueryRange(ctx context.Context, _ string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	select {
	case <-time.After(time.Until(h.ready)):
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
	return model.Matrix{}, nil, nil, nil
}

var _ keepalive.RangeQuerier = slowHistory{}

// TestLearnCountsACallMadeWhileTheHistoryWasRead: the rebuild learns the
// history up to its start; a call made while Prometheus answered (here 5 s
// in, the answer taking 20 s) must reach the feeder's first read, or the
// keep-alive's last call is the one before it (none here) and the idle time
// it starts is never learned.
//
// Seen failing without Learn's ReadsFrom: "last invocation 9m57.5s after
// the start, 1 idle time(s)" (the call at 5 s not read).
func TestLearnCountsACallMadeWhileTheHistoryWasRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = time.Hour
		ctl, every, scrape := learnOver(t, cfg, slowHistory{ready: time.Now().Add(20 * time.Second)})
		start := time.Now()
		var calls float64
		scrape(calls)
		go func() { err := ctl.Learn(t.Context()); t.Logf("learn: %v", err) }()
		for now := start.Add(every); now.Sub(start) <= 11*time.Minute; now = now.Add(every) {
			time.Sleep(time.Until(now))
			switch now.Sub(start) {
			case 5 * time.Second, 5 * time.Minute, 10 * time.Minute:
				calls++
			}
			scrape(calls)
		}
		time.Sleep(time.Minute)
		e, ok := ctl.KeepAlive.Explain(ref("fn"), cfg.Defaults.ZeroDuration, time.Now())
		if !ok || e.IdleTimes != 2 || e.LastInvocation.Sub(start) < 10*time.Minute-15*time.Second {
			t.Errorf("last invocation %s after the start, %d idle time(s); want 10m and 2 (the call at 5 s counted): %+v",
				e.LastInvocation.Sub(start), e.IdleTimes, e)
		}
	})
}

// learnOver builds the controller of cfg over an embedded source scraped
// every 5 s, with hist as its Prometheus history, and returns it, the
// scrape interval, and a scrape exporting calls for the function fn.
func learnOver(t *testing.T, cfg config.Config, hist keepalive.RangeQuerier) (*Controller, time.Duration, func(calls float64)) {
	t.Helper()
	return learnLogged(t, cfg, hist, nil)
}

// learnLogged is learnOver logging to logger (nil: nowhere).
func learnLogged(t *testing.T, cfg config.Config, hist keepalive.RangeQuerier, logger *slog.Logger) (*Controller, time.Duration, func(calls float64)) {
	t.Helper()
	ec := embedded.DefaultConfig()
	ec.Interval, ec.DefaultNamespace = 5*time.Second, ns
	src, err := embedded.New(ec)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := New(cfg, Wiring{DefaultNamespace: ns}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: src, History: hist, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return ctl, ec.Interval, func(calls float64) {
		src.Observe(time.Now(), []embedded.Sample{
			{Metric: embedded.MetricTotal, FunctionName: "fn", Code: "200", Value: calls},
			{Metric: embedded.MetricStarted, FunctionName: "fn", Value: calls},
		})
	}
}
