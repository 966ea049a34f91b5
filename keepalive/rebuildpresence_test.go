package keepalive

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildCountsASeriesFirstSeenWhenItsGatewayIsBackLate: a counter
// series first seen when its gateway instance is back after missing from
// rebuildLateSteps steps or more counts late (made in the span, its calls
// anywhere in it), told from the instance's other series where it has no
// start times; one back from a shorter gap, or on a gateway first seen in
// the lookback, counts on time. The same read whole and in parts (the
// absence reaching back across them) of 7 steps and of 1.
func TestRebuildCountsASeriesFirstSeenWhenItsGatewayIsBackLate(t *testing.T) {
	defer func(n int) { rebuildMaxPoints = n }(rebuildMaxPoints)
	for name, c := range map[string]struct {
		series   []*model.SampleStream
		starts   []*model.SampleStream
		lateAt   int // the minute fresh's first call counts in
		wantLate bool
	}{
		// Not scraped from minute 10 to 29, without process metrics:
		// cron's series says when it was read.
		"no process metrics": {
			series: []*model.SampleStream{
				counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 10: math.NaN(), 30: 3, 45: 4}),
				counterAt("fresh.openfaas-fn", "gw-a", map[int]float64{30: 1, 40: 2, 50: 3}),
			},
			lateAt: 30, wantLate: true,
		},
		// Two failed scrapes (minutes 10 and 11): the call is the step's.
		"short gap": {
			series: []*model.SampleStream{
				counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 10: math.NaN(), 12: 3, 45: 4}),
				counterAt("fresh.openfaas-fn", "gw-a", map[int]float64{12: 1, 40: 2, 50: 3}),
			},
			starts: []*model.SampleStream{startedAt("gw-a", map[int]float64{0: startedBefore, 10: math.NaN(), 12: startedBefore})},
			lateAt: 12,
		},
		// gw-b is first seen at minute 30 (a gateway replica added): its
		// first calls are the step's.
		"new gateway": {
			series: []*model.SampleStream{
				counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 45: 4}),
				counterAt("fresh.openfaas-fn", "gw-b", map[int]float64{30: 1, 40: 2, 50: 3}),
			},
			starts: []*model.SampleStream{startedAt("gw-b", map[int]float64{30: startedBefore})},
			lateAt: 30,
		},
	} {
		fresh := provider.Ref{Name: "fresh", Namespace: "openfaas-fn"}
		for _, points := range []int{1 << 30, 14, 2} {
			rebuildMaxPoints = points
			f := &restartHistory{ranged: &ranged{}, starts: c.starts}
			f.series = c.series
			p := mustPolicy(t)
			if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
				t.Fatal(err)
			}
			if got, w := learned(p, fresh), wantFresh(t, c.lateAt, c.wantLate); got != w {
				t.Errorf("%s, parts of %d points: fresh learned %s, want %s (late at %d: %v)", name, points, got, w, c.lateAt, c.wantLate)
			}
		}
	}
}

// wantFresh is what fresh's calls teach, the first at minute at (late or
// not), then at 40 and 50.
func wantFresh(t *testing.T, at int, late bool) string {
	fresh := provider.Ref{Name: "fresh", Namespace: "openfaas-fn"}
	want := mustPolicy(t)
	if late {
		want.ObserveLateCount(fresh, atMinute(at).Time(), time.Minute, 1)
	} else {
		want.ObserveCount(fresh, atMinute(at).Time(), time.Minute, 1)
	}
	want.ObserveCount(fresh, atMinute(40).Time(), time.Minute, 1)
	want.ObserveCount(fresh, atMinute(50).Time(), time.Minute, 1)
	return learned(want, fresh)
}

// TestRebuildCountsOnTimeAFirstCallThroughAGatewayScrapedWithoutCountersInShards
// is review 53K's case (gw-a restarted in place at 20, scraped since, fresh
// first called through it at 35: on time) with each part read in shards,
// as at 100,000 functions: gw-a's start time is asked in shard 0 even where
// none of its counters is in the part, whichever shard fresh is in, so the
// parts between 20 and 35 still note it scraped. Each shard asking it for
// every known gateway would read the same series once a shard.
func TestRebuildCountsOnTimeAFirstCallThroughAGatewayScrapedWithoutCountersInShards(t *testing.T) {
	defer func(n, s int) { rebuildMaxPoints, rebuildShardSeries = n, s }(rebuildMaxPoints, rebuildShardSeries)
	// Two series at once at most (other's on gw-b, held throughout, and
	// cron's or fresh's): two shards.
	rebuildShardSeries = 1
	series := []*model.SampleStream{
		counterAt("cron.openfaas-fn", "gw-a", map[int]float64{0: 1, 1: 2, 20: math.NaN()}),
		counterAt("other.openfaas-fn", "gw-b", map[int]float64{0: 1}),
		counterAt("fresh.openfaas-fn", "gw-a", map[int]float64{35: 1, 40: 2, 50: 3}),
	}
	starts := []*model.SampleStream{startedAt("gw-a", map[int]float64{0: startedBefore, 20: startedAfter})}
	fresh := provider.Ref{Name: "fresh", Namespace: "openfaas-fn"}
	want := wantFresh(t, 35, false)
	for _, points := range []int{1 << 30, 14, 2} {
		rebuildMaxPoints = points
		f := &restartHistory{ranged: &ranged{}, starts: starts}
		f.series = series
		p := mustPolicy(t)
		if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
			t.Fatal(err)
		}
		if got := learned(p, fresh); got != want {
			t.Errorf("parts of %d points in shards: fresh learned %s, want %s", points, got, want)
		}
		// The parts were read in two shards (each counter query a shard
		// of a part), else this is the Review53K case again.
		if parts := partCount(t0, t0.Add(time.Hour), time.Minute, chunkFor(2, 61)); f.queries != 2*parts {
			t.Fatalf("parts of %d points: %d counter queries for %d parts, want two shards a part", points, f.queries, parts)
		}
	}
}
