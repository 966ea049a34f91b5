package keepalive

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// appendLagged is one Prometheus over one gateway counter, scraped every
// 5 s at t0+5k s. A scrape's sample is stamped with the scrape's start (as
// Prometheus stamps it) and can be queried only once the scrape is
// appended, lag later (the time to fetch and parse /metrics; with remote
// write or a VictoriaMetrics latency offset, seconds to tens of seconds).
// Both the range API (the rebuild) and instant reads (StartedTotals, the
// feeder) answer from what is queryable at the moment they are asked.
type appendLagged struct {
	t0    time.Time
	lag   time.Duration
	calls []time.Time
}

const scrapeEvery5s = 5 * time.Second

// valueAt is the counter at evaluation time at, as queryable now.
func (s *appendLagged) valueAt(at time.Time) float64 {
	k := at.Sub(s.t0) / scrapeEvery5s
	if at.Before(s.t0) && at.Sub(s.t0)%scrapeEvery5s != 0 {
		k-- // floor
	}
	stamp := s.t0.Add(k * scrapeEvery5s)
	for stamp.Add(s.lag).After(time.Now()) {
		stamp = stamp.Add(-scrapeEvery5s) // not appended yet
	}
	n := 0
	for _, c := range s.calls {
		if !c.After(stamp) {
			n++
		}
	}
	return float64(n)
}

func (s *appendLagged) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	switch q {
	case RebuildQueryIn("fn"):
		var pts []model.SamplePair
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			pts = append(pts, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(s.valueAt(at))})
		}
		return model.Matrix{{Metric: model.Metric{"function_name": "fn.fn", "instance": "gw:8080"}, Values: pts}}, nil, nil, nil
	case RebuildSeriesQueryIn("fn"):
		return model.Matrix{{Metric: model.Metric{}, Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(r.End.UnixNano()), Value: 1}}}}, nil, nil, nil
	}
	return model.Matrix{}, nil, nil, nil
}

func (s *appendLagged) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	return append(buf[:0], metricsource.Total{Ref: provider.Ref{Name: "fn", Namespace: "fn"}, Series: 1, N: s.valueAt(at)}), nil
}

func (s *appendLagged) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("not read: the source has StartedTotals")
}

// TestFeederCountsACallAppendedAfterTheRebuildReadIt: Learn takes upTo,
// rebuilds up to it, and tells the feeder ReadsFrom(upTo). The rebuild's
// last step reads the counter at upTo as Prometheus has it while the
// rebuild runs; the feeder's first read reads it again 15 s or more later.
// A scrape stamped just before upTo but appended after the rebuild's query
// (here 1 s to append) was in the second read and not in the first, so a
// call in it was counted by neither: the policy learned one idle time of
// about 15 m (from the call 10 m before to the one 5 m after) where there
// were two, 10 m and 5 m. The feeder now reads from a step before upTo;
// with no lag the rebuild counts the call and the feeder's second count of
// it teaches nothing more. Found by a review (helper-116).
//
// Seen failing with ReadsFrom reading from upTo: "idle times [15m38s]".
func TestFeederCountsACallAppendedAfterTheRebuildReadIt(t *testing.T) {
	for _, lag := range []time.Duration{time.Second, 0} {
		t.Run("append lag "+lag.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ref := provider.Ref{Name: "fn", Namespace: "fn"}
				t0 := time.Now()
				src := &appendLagged{t0: t0, lag: lag, calls: []time.Time{
					t0.Add(-2 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-3 * time.Second), t0.Add(5 * time.Minute)}}
				p, err := New(Default())
				if err != nil {
					t.Fatal(err)
				}
				if got := rebuildThenFeed(t, p, src, ref, time.Hour); !tenThenFive(got) {
					t.Errorf("idle times %v; want two, about 10m and 5m (the call 3 s before the restart counted once, by the rebuild or by the feeder)", got)
				}
			})
		})
	}
}

// TestRebuildEndsAtNowWhateverTheLookback: keep_alive.rebuild_lookback is
// any duration (config validates only that it is not negative). With a
// lookback that is not a whole number of the rebuild's one-minute steps
// (1h30s here), Prometheus' steps ran from now-lookback, and the last was
// 30 s before now: a call 20 s before the restart was not in the rebuild,
// and the feeder, told that the rebuild's history ends at now
// (ReadsFrom(upTo), as controller.Learn does), read from 15 s before now:
// the call was counted by neither, and the idle times before and after it
// were learned as one (about 15 m where there were 10 m and 5 m). The
// rebuild now rounds its lookback up to whole steps, so its last step is
// now. Found by a review.
//
// Seen failing before the fix: feed_handoff_test.go:149: idle times [14m53s]; want two, about 10m and 5m (the call 20 s before the restart counted by the rebuild or the feeder)
func TestRebuildEndsAtNowWhateverTheLookback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "fn"}
		t0 := time.Now()
		src := &appendLagged{t0: t0, calls: []time.Time{
			t0.Add(-2 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-20 * time.Second), t0.Add(5 * time.Minute)}}
		if got := rebuildThenFeed(t, mustPolicy(t), src, ref, time.Hour+30*time.Second); !tenThenFive(got) {
			t.Errorf("idle times %v; want two, about 10m and 5m (the call 20 s before the restart counted by the rebuild or the feeder)", got)
		}
	})
}

// rebuildThenFeed does what controller.Learn does at a start: p rebuilt
// from src over lookback up to now, then the feeder carrying on from the
// rebuild's end (ReadsFrom) for six minutes; it returns ref's idle times.
func rebuildThenFeed(t *testing.T, p *Policy, src *appendLagged, ref provider.Ref, lookback time.Duration) []time.Duration {
	t.Helper()
	upTo := time.Now()
	if _, err := p.Rebuild(t.Context(), src, upTo, lookback, time.Minute, "fn"); err != nil {
		t.Fatal(err)
	}
	f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
	f.ReadsFrom(upTo, time.Minute)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	_ = f.Run(ctx)
	return idleTimes(p, ref)
}

// tenThenFive reports whether got is two idle times, about 10m and 5m.
func tenThenFive(got []time.Duration) bool {
	return len(got) == 2 && got[0] >= 9*time.Minute && got[0] <= 11*time.Minute && got[1] >= 4*time.Minute && got[1] <= 6*time.Minute
}
