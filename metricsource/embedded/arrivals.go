package embedded

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// MeanDurationWindow is the range over which a function's mean request
// duration is taken for arrivals, as in the Prometheus source's query.
const MeanDurationWindow = promql.MeanDurationWindow

// arrivals records the concurrency the arrivals of the interval (prev, t]
// bring: each arrival counts for the share of the interval a request of the
// function's mean duration (over MeanDurationWindow) takes, at most one.
// With n arrivals in Δt and mean d that is n·min(d, Δt)/Δt, Little's law
// (rate × mean duration) for requests shorter than the interval, and n for
// longer ones, since an arrival is one request in flight at most; those
// older than the interval are the in-flight gauge's to see.
//
// Why: the gauge is sampled at each scrape, so a function called in
// one-second bursts shows in one 5 s sample in five, and a down window
// that misses it lets the replicas go; the started counter sees every
// burst. The duration histogram grows when a request ends, by all of its
// duration: read per interval, one long request among many short ones
// would count as many (its whole minute in one 5 s interval), which is why
// it gives a mean over minutes, not a load per interval.
//
// Nothing is recorded (the series reads as absent: missing, not zero) when
// the arrivals are unknown or the function ended no request within
// MeanDurationWindow.
func (fn *function) arrivals(t, prev, meanFrom int64, seq uint64, keep *keeps) {
	if !fn.hasSeconds || fn.dSeq != seq || prev == 0 || t <= prev {
		return
	}
	n := fn.dTotal
	if fn.hasStarted {
		n = fn.dStarted + fn.dFallback() // the replicas without the started counter: their calls
	}
	var v float64
	if n == 0 {
		if s := fn.arrivalsSeries(); s != nil && len(s.pts) > 0 && s.last == 0 {
			// None again (an idle function, most scrapes): the series
			// keeps its last point, and its drop has not moved, as a
			// sample's that repeats (repeated). Through add and mark it
			// was a fifth of the arrivals' instructions in a replayed day.
			fn.seen(s, seq)
			return
		}
	} else {
		d, ok := fn.meanDuration(meanFrom, t)
		if !ok {
			return
		}
		dt := time.Duration(t - prev).Seconds()
		v = n * min(d, dt) / dt
	}
	s := fn.arrivalsSeries()
	if s == nil {
		s = fn.add(seriesKey{kind: kindArrivals})
	}
	if prev, was := s.add(t, v); !was || prev != v {
		fn.loadChanged(t)
	}
	fn.mark(s, seq, keep)
}

// arrivalsSeries is fn's one derived arrivals series (nil: none yet),
// looked for from the end: it is made at the sweep after the function's
// first scrapes, after the series they listed, so it is last or nearly
// (find compared every gateway series before it at every scrape).
func (fn *function) arrivalsSeries() *series {
	for i := len(fn.series) - 1; i >= 0; i-- {
		if s := &fn.series[i]; s.key.kind == kindArrivals {
			return s
		}
	}
	return nil
}

// meanDuration is the mean duration of the requests fn ended in (from, to],
// from its duration histogram; false when it ended none.
func (fn *function) meanDuration(from, to int64) (float64, bool) {
	var sum, count float64
	for i := range fn.series {
		switch ser := &fn.series[i]; ser.key.kind {
		case kindSecondsSum:
			inc, _ := ser.increaseFront(from, to) // kept for MeanDurationWindow: from is among the first points
			sum += inc
		case kindSecondsCount:
			inc, _ := ser.increaseFront(from, to)
			count += inc
		}
	}
	if count <= 0 {
		return 0, false
	}
	return sum / count, true
}
