package keepalive

import (
	"context"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Rebuild reads the counter's lookback in parts of the lookback, each
// learned and dropped before the next is asked for. Asked whole, a day at
// one-minute steps is 1,441 points a counter series: 14 million at 10,000
// functions, held at once as the JSON body and as the decoded matrix (over
// 500 MB), at every start, in a controller whose chart sets a 256 MiB
// limit: killed for memory at each start, it never started. A part holds
// at most about rebuildMaxPoints points.

// rebuildMaxPoints bounds the points (series × steps) one range query of
// the rebuild asks for, when the number of series is known: 4 MB of points
// decoded, ten-odd MB as the body. The series' labels come on top, about
// 430 bytes a series decoded: at 10,000 series (25 steps a part) little,
// at 100,000 (2 steps, in shards) most of a part's memory, whatever its
// steps (BenchmarkRebuildDay). Session 38 tried twice 500,000: a quarter
// less CPU at 100,000 functions for more live heap. Session 42 halved
// 500,000: a restart of 10,000 functions on a day of history peaked at
// about 117 MiB resident where it peaked at 150-169, its rebuild read
// more of the day within its bound (3 h 44 min against 3 h 19 min) and
// the whole day 10 % slower; at 100,000 the restart peaked 7 MiB lower,
// its rebuild reading 1 minute of history instead of 4 (docs/benchmarks.md,
// "The controller restarted on a day of history").
var rebuildMaxPoints = 250_000

// rebuildDefaultChunk is a part's steps when the number of series is not
// known (the count query failed): an hour at one-minute steps.
const rebuildDefaultChunk = 60

// RebuildSeriesQueryIn counts RebuildQueryIn's series (one a function and
// gateway instance), to size Rebuild's parts.
// Rebuild asks it over the lookback (sizeAcross), RebuildWithin at now
// first (sizeWithin).
func RebuildSeriesQueryIn(defaultNamespace string) string {
	return "count(" + RebuildQueryIn(defaultNamespace) + ")"
}

// RebuildSeriesQuery is RebuildSeriesQueryIn of openfaas-fn (RebuildQuery).
func RebuildSeriesQuery() string { return RebuildSeriesQueryIn(openfaasNamespace) }

// rebuildCountEvery is the least time between the instants at which
// sizeAcross counts the series: Prometheus' default lookback delta,
// within which a sample is seen, so that a series scraped more often is
// counted at one of them at least when the lookback is short. (At a
// coarser rebuild step, the range query itself sees only the series
// present at its steps.)
const rebuildCountEvery = 5 * time.Minute

// rebuildCountInstants bounds how many instants the series are counted at
// across the lookback (a day: hourly). Prometheus' cost is the instants
// times the series: every 5 minutes of a day at 100,000 functions (289
// instants of 300,000 counter series) took it 13.7 s of the rebuild's
// 30 s, before a part was read (session 39's footprint run). What a
// coarser count misses is a series that came and went between two
// instants (a gateway instance that lived less than an hour): a part over
// its life holds more points than planned (a gateway replaced: twice at
// most), and queryRange splits a part Prometheus refuses.
const rebuildCountInstants = 24

// sizeAcross is the size of Rebuild's parts (sizeFor), of steps in all:
// as many steps as keep series × steps within rebuildMaxPoints, the series
// being the most counted at any instant of the lookback ending at now
// (rebuildCountEvery apart, or farther apart over a long lookback:
// rebuildCountInstants). Counted at now only, the series of functions
// deleted within the lookback, of
// gateway instances replaced, or all of them when the gateway is down or
// was restarted without calls as the controller starts, were not counted,
// and a part asked for the whole lookback of them at once: the memory the
// parts are there to bound. Series that come and go within a part are
// still not counted; queryRange splits a part Prometheus refuses.
func sizeAcross(ctx context.Context, q RangeQuerier, ns string, now time.Time, lookback, step time.Duration, steps int) partSize {
	series, ok := countAcross(ctx, q, ns, now, lookback, step)
	return sizeFor(series, ok, steps)
}

// sizeWithin is sizeAcross for RebuildWithin, whose whole
// time ctx bounds: the parts are sized by the series counted now, one
// instant, and across the lookback only when none were (across reports
// which), then within a quarter of the time left. At 100,000 functions
// with a day in Prometheus the count across the lookback took 58-64 s (25
// hourly instants of 300,000 series, session 39's bench/history), more than
// the rebuild's whole bound, and the parts were then sized for an unknown
// count (an hour each: 6 million points); at now it takes under a second.
// Sized by the series now, a part over series gone since holds more points
// than planned: the rebuild counts again across the lookback when it reads
// all of it, and at the start of the span it reads otherwise (a gateway
// instance replaced within it). None counted now (the gateway down, or
// restarted without calls) says nothing of the lookback's series; none
// counted either way leaves the unknown count's parts.
func sizeWithin(ctx context.Context, q RangeQuerier, ns string, clock func() time.Time, now time.Time, lookback, step time.Duration, steps int) (partSize, bool) {
	if series, ok := countSeries(ctx, q, ns, now, now, step); ok && series >= 1 {
		return sizeFor(series, true, steps), false
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		cctx, cancel = context.WithTimeout(ctx, deadline.Sub(clock())/4)
	}
	defer cancel()
	series, ok := countAcross(cctx, q, ns, now, lookback, step)
	return sizeFor(series, ok, steps), ok
}

// countAcross is countSeries at instants across the lookback ending at
// now, rebuildCountEvery apart or, over a long lookback,
// rebuildCountInstants of them.
func countAcross(ctx context.Context, q RangeQuerier, ns string, now time.Time, lookback, step time.Duration) (float64, bool) {
	every := max(step, rebuildCountEvery, lookback/rebuildCountInstants)
	k := (lookback + every - 1) / every // instants before now, the first at or before the lookback's start
	return countSeries(ctx, q, ns, now.Add(-k*every), now, every)
}

// seriesCounted is RebuildSeriesQueryIn(ns)'s answer at the instants from
// start to end, every apart (a point at each instant with any series), and
// whether Prometheus answered it whole.
func seriesCounted(ctx context.Context, q RangeQuerier, ns string, start, end time.Time, every time.Duration) (model.Matrix, bool) {
	v, warnings, _, err := q.QueryRange(ctx, RebuildSeriesQueryIn(ns), v1.Range{Start: start, End: end, Step: every})
	m, ok := v.(model.Matrix)
	return m, ok && err == nil && promql.PartialWarning(warnings) == ""
}

// countSeries is the most RebuildQueryIn(ns)'s series counted at the instants
// from start to end, every apart, and whether Prometheus answered whole
// with counts (known).
func countSeries(ctx context.Context, q RangeQuerier, ns string, start, end time.Time, every time.Duration) (series float64, known bool) {
	m, ok := seriesCounted(ctx, q, ns, start, end, every)
	if !ok {
		return 0, false
	}
	for _, s := range m {
		for _, pt := range s.Values {
			v := float64(pt.Value)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				// Not a count (a broken proxy or querier in front of
				// Prometheus): not known, as a failed read. math.Max
				// kept a NaN, sizeFor made int(NaN) shards of it, and
				// the rebuild read no counter and reported success.
				return 0, false
			}
			series = math.Max(series, v)
		}
	}
	return series, true
}

// chunkFor is the steps of a part of series that keep it within
// rebuildMaxPoints, of steps in all; all of them when there are none.
func chunkFor(series float64, steps int) int {
	n := steps
	if series >= 1 {
		n = int(math.Max(1, math.Floor(float64(rebuildMaxPoints)/series)))
	}
	return max(1, min(n, steps))
}

// rebuilder is what Rebuild carries from one part of the lookback to the
// next.
type rebuilder struct {
	p                *Policy
	step             time.Duration
	defaultNamespace string
	// handoverAfter: the counts of steps ending after it are handed over
	// to the feeder's first read (handover.go); zero for an older span.
	handoverAfter model.Time
	// begun: a part held a value; baselineEnd is then final.
	begun       bool
	baselineEnd time.Time
	// series is each counter series' state, by its labels (seriesKeyOf).
	series *index[seriesKey, *seriesState]
	// functions is each function's first series (which holds what is the
	// function's: seriesState.fn), by its ref.
	functions *index[provider.Ref, *seriesState]
	// instances holds one copy of each gateway instance's name, which the
	// keys of its series share (a fleet's series name a few instances).
	instances map[string]string
	skipped   map[string]bool // function_name values that did not parse
	rep       RebuildReport
	// part counts the parts (or shards of parts) found; order is the last
	// one's series in the order of its answer, before the part (as
	// counted) of the same shard's answer before it, and next the place in
	// order state looks at first; counts is kept for the next part.
	part   int32
	order  []*seriesState
	before int32
	next   int
	counts []stepCount
	// shards holds each shard's last answer order (a part read whole is
	// one shard), a spare slice for its next, and the part it was.
	shards []shardOrder
	// gateways is when each gateway instance last had a value, cur the
	// shard being learned (rebuildpresence.go).
	gateways map[string]*gatewaySteps
	cur      shardSteps
}

// shardOrder is what find keeps of one shard's last answer.
type shardOrder struct {
	order, spare []*seriesState
	part         int32
}
