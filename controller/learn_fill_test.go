package controller

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowDay is a day of two functions' started counters, every part taking
// 4 s to answer and the series counted as a fleet of 3,500's, so the day is
// 11 parts: "early" is called at minutes 100, 160, 220 and 280 only, "late"
// at 1400 and 1430.
type slowDay struct{ from time.Time }

func (h slowDay) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
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
	for name, calls := range map[string][]int{"early": {100, 160, 220, 280}, "late": {1400, 1430}} {
		s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(name + "." + ns), "instance": "gw:8080"}}
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			v := 1.0 // present all day: the gateway started before it
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

// TestLearnFillsTheOlderHistory: the start's rebuild reads only the last
// hours of the day within keep_alive.rebuild_timeout; Learn then reads the
// hours before them beside the feeder, so a function called only in the
// day's first hours is planned on its idle times a few minutes after the
// start instead of never, and says so once.
//
// Seen failing with Learn not starting the fill (mutation): "early: known
// false, 0 idle times 5m after the start".
func TestLearnFillsTheOlderHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		cfg.KeepAlive.RebuildLookback = 24 * time.Hour
		start := time.Now()
		ec := embedded.DefaultConfig()
		ec.Interval, ec.DefaultNamespace = 5*time.Second, ns
		src, err := embedded.New(ec)
		if err != nil {
			t.Fatal(err)
		}
		logs := &teststack.SyncBuffer{}
		ctl, err := New(cfg, Wiring{DefaultNamespace: ns}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: src,
			History: slowDay{from: start.Add(-24 * time.Hour)}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = ctl.Learn(ctx) }()
		time.Sleep(20 * time.Second) // the rebuild has read the last hours (12 s), the fill not yet the first
		if e, ok := ctl.KeepAlive.Explain(ref("early"), cfg.Defaults.ZeroDuration, time.Now()); ok && e.IdleTimes > 0 {
			t.Fatalf("control: early is known 20 s after the start (%d idle times): the rebuild was not shortened\n%s", e.IdleTimes, logs.String())
		}
		time.Sleep(5 * time.Minute)
		e, ok := ctl.KeepAlive.Explain(ref("early"), cfg.Defaults.ZeroDuration, time.Now())
		cancel()
		<-done
		if !ok || e.IdleTimes != 3 {
			t.Errorf("early: known %v, %d idle times 5m after the start; want the 3 between its calls in the day's first hours", ok, e.IdleTimes)
		}
		if n := strings.Count(logs.String(), "relearned the older history too"); n != 1 {
			t.Errorf("the fill logged its end %d times, want once:\n%s", n, logs.String())
		}
	})
}
