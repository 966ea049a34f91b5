package keepalive

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// stepCount is n invocations of a function in the step ending at at; late
// when some of them were counted after their series' absence
// (rebuildLateSteps): when in the absence is not known.
type stepCount struct {
	at   model.Time
	n    float64
	late bool
}

// rebuildLateSteps is how many steps in a row a series may be missing from
// and the calls counted when it is back still be placed in the step it is
// back in (seriesCounts). A step without a value is a read of the counter
// without the series: Prometheus held no sample of it within its lookback
// (5 minutes by default) before the step, or the last was a staleness
// marker (a failed scrape marks its gateway's series stale). A feeder read
// that lacks the series means the same (the same query, at an instant), so
// the rebuild counts missing steps as the feeder counts missing reads, and
// with the feeder's threshold (TotalsDiff.Late, maxCatchUp: as far back as
// a late read reads): after a failed scrape or two (a step or two
// missing at most) the calls still count in the step the series is back
// in; a gateway not scraped for four minutes or more while its functions
// were called has its calls counted late.
// That is the threshold of a feeder reading at the rebuild's step
// (keep_alive.learn_step 1m), which reads the counter at the same
// instants; at a finer learn step the feeder calls a shorter absence late
// (four reads of 15 s: a minute), which one-minute steps cannot tell from
// one failed scrape.
const rebuildLateSteps = maxCatchUp

// seriesCounts appends to dst the invocations one series of the counter
// shows in each step, from its values at the steps in time order, going on
// from st (what the series' earlier steps left: Rebuild asks in parts of
// the lookback), which it updates (a step
// without a value is one where the series had no sample within
// Prometheus' lookback), leaving out steps without any. A value before
// firstStepEnd is at the range's first step; the steps are step apart.
// starts holds the process start time of the series' gateway instance at
// the part's steps, where known, in time order (RebuildStartTimesQuery).
// gone says whether the series' gateway instance was missing from
// rebuildLateSteps steps or more just before a step, after a value before
// them (rebuildpresence.go); nil: not known.
func seriesCounts(dst []stepCount, st *seriesState, pts []model.SamplePair, firstStepEnd time.Time, step time.Duration, starts []model.SamplePair, gone func(model.Time) bool) []stepCount {
	// last is 0 until the series' first value, so a series created within
	// the lookback — by a function's first call, or a gateway instance's
	// first since it started (the gateway creates the series at 1) —
	// counts its whole value when it first shows.
	last, lastAt, seen := st.last, st.lastAt, st.seen
	// started is the gateway's start time at the step of last, when known.
	started, startedOK := st.started, st.startedOK
	cursor := startCursor{pts: starts}
	for _, pt := range pts {
		v := float64(pt.Value)
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			// Not a count (a broken exporter): skipped as a missed
			// scrape is, rather than poisoning every difference after it.
			continue
		}
		n := v - last
		at, atOK := cursor.at(pt.Timestamp)
		// Its gateway restarted in place since its last value (the same
		// instance, another process): the counter started again from 0.
		// Where either start time is not known, whether the process
		// changed is not known either: never a restart made up; nor where
		// it moved by no more than one process's start time moves between
		// reads (promql.StartedAgain).
		restarted := atOK && startedOK && promql.StartedAgain(started, at)
		switch {
		case !seen && pt.Timestamp.Time().Before(firstStepEnd):
			// Present at the first step: what it counts so far was
			// called before the lookback, a baseline only. (A series
			// in a scrape gap at the first step and back later cannot
			// be told from one created later, and counts its whole
			// value when it is back.)
			n = 0
		case v < last:
			// A counter never falls, so it restarted (a gateway
			// restart) and counted v since. That holds too when it is
			// back from an absence (a scrape gap longer than the
			// lookback, a gateway instance gone and back).
			n = v
		case restarted:
			// It counted v since its process started, though v is not
			// below its old value. Otherwise it is read as the case
			// below.
			n = v
		}
		// Otherwise, at or above its last value, the counter is read as
		// having risen, also back from an absence. Where its gateway's
		// start time is not known (a gateway without process metrics, a
		// part whose start times could not be read) it may have restarted
		// in the gap and counted past its old value, which the counter
		// alone does not tell apart (Prometheus' own increase() reads it
		// the same way); taking the whole value instead would count again
		// every call before the gap at each scrape gap of a long-running
		// gateway, by far the commoner case.
		//
		// Back after missing from rebuildLateSteps steps or more, the
		// calls it counts were made anywhere in the absence, not in the
		// step it is back in: late, they end no learned idle time and
		// start none (ObserveLateCount), as the feeder counts them
		// (metricsource.TotalsDiff's Late). Read as calls of that step, an
		// idle time was learned across minutes nobody saw. After a
		// restart in place the new process counted since it started:
		// on time when it started within the step it is back in (its
		// calls are the step's), late when it started before it, in
		// the absence (its calls anywhere from its start to the step,
		// minutes nobody saw: a review's finding).
		missed := seen && missedSteps(lastAt, pt.Timestamp, step) >= rebuildLateSteps
		late := missed && (!restarted || at*1e3 < float64(pt.Timestamp.Add(-step)))
		if !seen && n > 0 && gone != nil {
			// First seen after the lookback's first step, when its
			// gateway is back from as long an absence: made in it (a
			// function first called through the gateway meanwhile, or a
			// process restarted meanwhile), its calls were made anywhere
			// in it. Late, as the feeder counts them
			// (metricsource.Total.GatewaySeen), whenever the process
			// started: the feeder does not tell.
			late = gone(pt.Timestamp)
		}
		last, lastAt, seen = v, pt.Timestamp, true
		started, startedOK = at, atOK
		if n > 0 {
			dst = append(dst, stepCount{pt.Timestamp, n, late})
		}
	}
	st.last, st.lastAt, st.seen = last, lastAt, seen
	st.started, st.startedOK = started, startedOK
	return dst
}

// missedSteps is how many of the steps, step apart, between a series'
// values at from and at had no value (Prometheus' steps are to the
// millisecond: rounded).
func missedSteps(from, at model.Time, step time.Duration) int {
	return int((at.Sub(from)+step/2)/step) - 1
}

// observeSteps feeds one function's step counts, from all its series, to
// ObserveCount in time order, the series' counts of a step summed, and
// returns how many invocations they were. A step with a late count of one
// series is late (ObserveLateCount), as the feeder's merged counts are.
// The counts of steps ending after handoverAfter (when not zero) are handed
// over to the feeder's first read too (handover.go).
func (p *Policy) observeSteps(ref provider.Ref, cs []stepCount, step time.Duration, handoverAfter model.Time) float64 {
	slices.SortStableFunc(cs, func(a, b stepCount) int { return cmp.Compare(a.at, b.at) })
	total := 0.0
	for i := 0; i < len(cs); {
		at, n, late := cs[i].at, 0.0, false
		for ; i < len(cs) && cs[i].at == at; i++ {
			n += cs[i].n
			late = late || cs[i].late
		}
		// The gateway's counters are whole numbers, and so are their
		// differences: no rounding.
		k := int(math.Min(n, math.MaxInt32))
		if late {
			p.ObserveLateCount(ref, at.Time(), step, k)
		} else {
			p.ObserveCount(ref, at.Time(), step, k)
		}
		if handoverAfter != 0 && at > handoverAfter {
			p.handOver(ref, k)
		}
		total += n
	}
	return total
}
