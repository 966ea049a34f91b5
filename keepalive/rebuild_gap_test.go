package keepalive

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildLearnsNoIdleTimeAcrossAMissingCounter is
// TestFeederLearnsNoIdleTimeAcrossAMissingCounter replayed from history
// after a restart: the function is called at 1m, 10m, 15m and 40m; its
// gateway is not scraped from 5m to 25m, so the series has no value at
// the steps from 6m to 24m (nineteen steps, every feeder read missing it),
// and is back at 25m with the 10m and 15m calls in it. The feeder learns
// no idle time across such an absence (its count is Late, commit
// 5d9972f); the rebuild read the absence as "no calls" and relearned, at
// every restart, the 24-minute idle time nobody observed and one of 15
// minutes from calls placed at the return. Now the calls counted at the
// return are late (seriesCounts, rebuildLateSteps): they end no learned
// idle time and start none. Found by a review.
//
// Seen failing before the fix: rebuild_gap_test.go:35: idle times [23m45s 14m45s]; want none, as the feeder learns from the same calls: the one ending at the series' return spans the 19 minutes it was missing, the next starts at calls placed at the return, not when they were
func TestRebuildLearnsNoIdleTimeAcrossAMissingCounter(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	f := &fakeRange{v: model.Matrix{counterAt("fn", "gw-a", map[int]float64{1: 1, 6: math.NaN(), 25: 3, 40: 4})}}
	p := mustPolicy(t)
	if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	if got := idleTimes(p, ref); len(got) != 0 {
		t.Errorf("idle times %v; want none, as the feeder learns from the same calls: the one ending at the series' return "+
			"spans the 19 minutes it was missing, the next starts at calls placed at the return, not when they were", got)
	}
}

// TestRebuildLateOnlyAfterTheFeedersGap pins where the rebuild draws the
// line the feeder draws (rebuildLateSteps): a series missing from three
// steps is back with its calls counted in the step it is back in, as
// before (a failed scrape or two misses a step or two at most); from
// four (maxCatchUp, a feeder reading at the rebuild's step calls its count
// Late) they are late. A gateway restarted in place during a long
// absence (its process start time changed) counted its calls since it
// started, and the feeder reads its series as new ones: not late. Each
// function is compared with a policy told the wanted steps directly.
//
// Seen failing with every missing step a gap (rebuildLateSteps 1): "short learned last 2019-07-15 00:29:30, idle times [] weighted [], want last 2019-07-15 00:29:30, idle times [12m0s 17m0s] weighted [1 1]"; with a restart in place late too: "restarted learned last 2019-07-15 00:29:30, idle times [] weighted [], want last 2019-07-15 00:29:30, idle times [19m0s 10m0s] weighted [1 1]".
func TestRebuildLateOnlyAfterTheFeedersGap(t *testing.T) {
	type step struct {
		m    int
		late bool
	}
	// Each counter is present at the range's first step (a baseline):
	// Prometheus' history does not begin inside the lookback.
	tests := map[string]struct {
		counter map[int]float64 // on gw-<name>
		starts  map[int]float64 // gw-<name>'s start time; nil: none exported
		want    []step          // one call in each
	}{
		"short": {counter: map[int]float64{0: 1, 1: 2, 10: math.NaN(), 13: 3, 30: 4}, want: []step{{1, false}, {13, false}, {30, false}}},
		"long":  {counter: map[int]float64{0: 1, 1: 2, 10: math.NaN(), 14: 3, 30: 4}, want: []step{{1, false}, {14, true}, {30, false}}},
		// Back below its old value: a reset, whether the start times
		// tell it or not; only the start time's change says the calls
		// are the new process's.
		"restarted": {
			counter: map[int]float64{0: 1, 1: 2, 10: math.NaN(), 20: 1, 30: 2},
			starts:  map[int]float64{0: startedBefore, 10: math.NaN(), 20: startedAfter},
			want:    []step{{1, false}, {20, false}, {30, false}},
		},
	}
	f := &restartHistory{ranged: &ranged{}}
	for name, tc := range tests {
		in := "gw-" + name
		f.series = append(f.series, counterAt(name+".openfaas-fn", in, tc.counter))
		if tc.starts != nil {
			f.starts = append(f.starts, startedAt(in, tc.starts))
		}
	}
	p := mustPolicy(t)
	if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	for name, tc := range tests {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		want := mustPolicy(t)
		for _, s := range tc.want {
			if s.late {
				want.ObserveLateCount(ref, atMinute(s.m).Time(), time.Minute, 1)
			} else {
				want.ObserveCount(ref, atMinute(s.m).Time(), time.Minute, 1)
			}
		}
		if got, w := learned(p, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", name, got, w)
		}
	}
}
