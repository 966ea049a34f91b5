package controller

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// callHistory is a Prometheus holding the started counter of one function
// "fn" called at calls (sorted), answering the counter's range query after
// slow; every other query is answered at once, empty.
type callHistory struct {
	calls []time.Time
	slow  time.Duration
}

func (h callHistory) QueryRange(ctx context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != keepalive.RebuildQuery() {
		return model.Matrix{}, nil, nil, nil
	}
	select {
	case <-time.After(h.slow):
	case <-ctx.Done():
		return nil, nil, nil, ctx.Err()
	}
	s := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue("fn." + ns)}}
	for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
		n := sort.Search(len(h.calls), func(i int) bool { return h.calls[i].After(at) })
		s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(n)})
	}
	return model.Matrix{s}, nil, nil, nil
}

// TestReview51DIdlerActsOnAnEmptyKeepAliveWhileTheRebuildRuns: a rare
// function with zero-duration "auto" called every 30–50 minutes (never
// periodic enough for a timer); the keep-alive learned "zero at once,
// pre-warm 29m–50m after the last call", and the pre-warmer had a replica
// up for the call due. The controller restarts 35 minutes after the last
// call, inside that pre-warm window. The rebuild from Prometheus history
// takes a while (here 40 s: a large fleet, a loaded Prometheus, with
// keep_alive.rebuild_timeout raised to 2m as config.go advises for it). The idler
// runs beside it from the term's start (its first cycle 30 s in) and asks the keep-alive, which has
// learned nothing yet, and gets the learning keep-alive (15m): the last
// call 35 minutes ago is past it, and the pre-warmed replica is scaled to
// zero — a scale the controller would not have made without the restart
// (KeepAlive returns the pre-warm window's end then). Missing is not
// zero: a history not read yet is not "nothing learned"; the idler should
// leave auto functions alone until the rebuild has ended (or at least not
// act on a plan made before it).
//
// The control half (a fast Prometheus) shows the rebuilt plan keeps it.
func TestReview51DIdlerActsOnAnEmptyKeepAliveWhileTheRebuildRuns(t *testing.T) {
	for _, slow := range []time.Duration{0, 40 * time.Second} {
		t.Run(fmt.Sprintf("rebuild takes %s", slow), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				begin := time.Now()
				restart := begin.Add(2 * time.Hour)
				gaps := []int{30, 45, 38, 50, 33, 41, 47, 36, 44, 31, 49, 39, 42, 35, 46}
				var calls []time.Time
				at := restart.Add(-35 * time.Minute)
				for i := range 40 {
					calls = append([]time.Time{at}, calls...)
					at = at.Add(-time.Duration(gaps[i%len(gaps)]) * time.Minute)
				}
				cfg := testConfig()
				cfg.KeepAlive.RebuildLookback = 36 * time.Hour
				// An operator's raised bound, as config.go advises "for a fleet
				// whose Prometheus answers slower than that allows"; the
				// shipped idler schedule (@every 30s).
				cfg.KeepAlive.RebuildTimeout = 2 * time.Minute
				cfg.Idler.Schedule = config.Default().Idler.Schedule
				mem := memory.New(clock.Real(), memory.Options{})
				if err := mem.Deploy(provider.Function{Ref: ref("fn"), Replicas: 1, CreatedAt: begin.Add(-48 * time.Hour),
					Labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, scaler.ZeroDurationAuto)}); err != nil {
					t.Fatal(err)
				}
				ec := embedded.DefaultConfig()
				ec.Interval, ec.DefaultNamespace, ec.Retention = 5*time.Second, ns, 3*time.Hour
				src, err := embedded.New(ec)
				if err != nil {
					t.Fatal(err)
				}
				scrape := func(now time.Time) {
					n := sort.Search(len(calls), func(i int) bool { return calls[i].After(now) })
					src.Observe(now, []embedded.Sample{
						{Metric: embedded.MetricTotal, FunctionName: "fn." + ns, Code: "200", Value: float64(n)},
						{Metric: embedded.MetricStarted, FunctionName: "fn." + ns, Value: float64(n)},
						{Metric: embedded.MetricInflight, FunctionName: "fn." + ns, Value: 0},
						{Metric: embedded.MetricReplicas, FunctionName: "fn." + ns, Value: 1},
					})
				}
				// The Prometheus and the gateway before the restart.
				for now := begin; now.Before(restart); now = now.Add(5 * time.Second) {
					time.Sleep(time.Until(now))
					scrape(now)
				}
				ctl, err := New(cfg, Wiring{DefaultNamespace: ns}, Deps{Provider: mem, Source: src,
					History: callHistory{calls: calls, slow: slow}})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				var wg sync.WaitGroup
				wg.Go(func() { _ = ctl.Learn(ctx) })
				wg.Go(func() { ctl.Act(ctx) })
				for now := restart; now.Before(restart.Add(2 * time.Minute)); now = now.Add(5 * time.Second) {
					time.Sleep(time.Until(now))
					scrape(now)
				}
				k, why := ctl.KeepAlive.KeepAlive(ref("fn"), 15*time.Minute, 1, time.Now())
				var idled []memory.ScaleCall
				for _, c := range mem.Calls() {
					if c.Changed() && c.To == 0 {
						idled = append(idled, c)
					}
				}
				cancel()
				wg.Wait()
				if len(idled) > 0 {
					t.Errorf("idled %s after the restart (rebuild took %s), inside the learned pre-warm window; the rebuilt policy now says keep %s (%s)",
						idled[0].At.Sub(restart), slow, k, why)
				}
			})
		})
	}
}
