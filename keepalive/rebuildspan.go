package keepalive

import (
	"context"
	"fmt"
	"time"
)

// RebuildWithin is Rebuild bounded as a whole by ctx's deadline, reading
// the most recent part of the lookback that fits in it rather than the
// oldest. Rebuild reads its parts oldest first, each learned in time
// order; cut by its bound partway (at 100,000 functions a day is 289
// parts, and a real Prometheus answered a fraction of them in 30 s), it
// had learned the oldest hours, failed, and left the most recent unknown:
// the hours that say whether each function is in its keep-alive now, and
// where the feeder's first read would have carried on. So RebuildWithin
// first reads the newest part once to time it (clock, the injected one),
// and when the parts do not all fit in the time left it starts the
// rebuild later in the lookback (RebuildReport.From): what it then reads
// ends now, completes, and the feeder carries on from it. Without a
// deadline, with a single part, or when the timing read fails (the
// rebuild's own read then reports it), it is Rebuild.
func (p *Policy) RebuildWithin(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time) (RebuildReport, error) {
	return p.rebuild(ctx, q, now, lookback, step, defaultNamespace, clock, false)
}

// planWithin is how RebuildWithin reads the lookback from from to now of
// steps: the parts' size (sizeWithin), and where it starts, later than from
// when the whole would not fit in ctx's time (shortened; recentSpan). Sized
// by the series now, it counts them again where a part may hold others:
// across the lookback when all of it is read (a function deleted since, a
// gateway instance replaced), as Rebuild's are, or at the start of the span
// read (one instant).
func planWithin(ctx context.Context, q RangeQuerier, ns string, clock func() time.Time, from, now time.Time, lookback, step time.Duration, steps int) (partSize, time.Time, bool, error) {
	size, across := sizeWithin(ctx, q, ns, clock, now, lookback, step, steps)
	// The shards' position before the timing read, which reads shard 0.
	spread := newShardSpread(q, now, step, ns)
	size = spread.choose(ctx, size)
	start, shortened, err := recentSpan(ctx, q, ns, clock, from, now, step, size)
	switch {
	case err != nil:
		return size, from, false, err
	case across:
	case shortened:
		if series, ok := countSeries(ctx, q, ns, start, start, step); ok && series >= 1 {
			size = size.larger(sizeFor(series, true, steps), steps)
		}
	default:
		size = size.larger(sizeAcross(ctx, q, ns, now, lookback, step, steps), steps)
	}
	// Sized again for more series, the shards are more.
	return spread.choose(ctx, size), start, shortened, nil
}

// recentSpan is where a rebuild of the parts of size from from to now
// starts so that it fits before ctx's deadline (ok), on the parts'
// own grid, so the parts read are the ones a whole rebuild reads last.
//
// A part's cost is the newest part's read, timed (its first shard's, times
// the shards, when it is read in shards): the parts are sized alike
// (sizeAcross: at most rebuildMaxPoints each) and the newest is
// whole (partSteps: the short one is the oldest), so one read tells the
// rest. Each part is allowed twice that (its start-times read beside it,
// and an older block slower to read than the newest), and one more is
// kept for the replica history's read after the parts. At least the
// newest part is read whatever the estimate: a rebuild that cannot read
// one part fails as Rebuild does. The timing read's answer is not kept
// for the rebuild, which reads that part again last: kept through the
// other parts, it would have added its decoded answer (51 MB for a whole
// part of 100,000 series, before the shards) to the rebuild's peak; read
// again, it costs one shard in all.
//
// err is the timing read's failure when it used up ctx (not even the
// newest part can be read in the bound: nothing is); any other failure of
// it is left to the rebuild's own read of that part to report.
func recentSpan(ctx context.Context, q RangeQuerier, ns string, clock func() time.Time, from, now time.Time, step time.Duration, size partSize) (time.Time, bool, error) {
	chunk := size.chunk
	deadline, ok := ctx.Deadline()
	if !ok || chunk < 1 {
		return from, false, nil
	}
	parts := partCount(from, now, step, chunk)
	if parts <= 1 {
		return from, false, nil
	}
	// The newest part: the last chunk steps of the grid from from.
	end := lastStep(from, now, step)
	per := time.Duration(chunk) * step
	newest := end.Add(step - per)
	// One shard of it, when it is read in shards, its cost taken for each:
	// the whole part timed, then read again, took two parts' time at
	// 100,000 functions (3-5 s a part on two cores), and a restart there
	// under load had no time left for the second (session 39's footprint
	// runs). The shards are uneven; each part is allowed twice the cost.
	began := clock()
	if _, err := queryRange(ctx, q, size.query(0, ns), newest, end, step); err != nil {
		if ctx.Err() != nil {
			return from, false, fmt.Errorf("not even the newest of %d parts (from %s) read in time: %w",
				parts, newest.UTC().Format(time.RFC3339), err)
		}
		return from, false, nil
	}
	cost := clock().Sub(began) * time.Duration(max(1, size.shards))
	if cost <= 0 {
		return from, false, nil
	}
	fit := int(deadline.Sub(clock())/(2*cost)) - 1
	if fit >= parts {
		return from, false, nil
	}
	fit = max(fit, 1)
	return newest.Add(-time.Duration(fit-1) * per), true, nil
}

// lastStep is the last step of a rebuild from from to now at step: the
// latest from + k·step not after now (Prometheus answers a range query at
// its start and every step after it).
func lastStep(from, now time.Time, step time.Duration) time.Time {
	return from.Add(now.Sub(from) / step * step)
}

// partCount is how many parts of chunk steps a rebuild from from to now
// at step reads (the steps run from from to now, both included).
func partCount(from, now time.Time, step time.Duration, chunk int) int {
	steps := int(now.Sub(from)/step) + 1
	return (steps + chunk - 1) / chunk
}

// partSteps is how many steps the first of a rebuild's parts holds: the
// rest hold chunk each and the last ends at the last step, so the short
// part, when the steps do not divide into parts, is the oldest. Short at
// the newest end, it was the part RebuildWithin times: one step of five at
// 100,000 functions and a one-day lookback, which promised a part at a
// fifth of its cost.
func partSteps(from, now time.Time, step time.Duration, chunk int) int {
	steps := int(now.Sub(from)/step) + 1
	return steps - (partCount(from, now, step, chunk)-1)*chunk
}
