package embedded

import "github.com/faas-autoscaler/faas-autoscaler/metricsource"

// windowRead is how a load query reads each function (Source.reader): the
// invocation counters' rate over the scrapes (from, to], secs apart, or
// (capacity) the peak over [from, to].
type windowRead struct {
	capacity bool
	from, to int64
	secs     float64
	// totalFrom is store.totalFrom: the invocation counters of functions
	// with a started counter may lack the points before it.
	totalFrom int64
	// rebased is store.rebased: the counters' increase up to it (and so
	// the arrivals' concurrency) is unknown.
	rebased int64
}

// of is fn's value, its part and whether it has one.
func (r windowRead) of(fn *function) (float64, metricsource.Part, bool) {
	if r.blind(fn) {
		return 0, metricsource.PartUnknown, false // missing, not low: the calls up to a new baseline are unknown
	}
	if r.capacity {
		v, part, ok := fn.peak(r.from, r.to)
		if ok && r.unknownZero(fn, v) {
			return 0, metricsource.PartUnknown, false
		}
		return v, part, ok
	}
	if fn.hasStarted && r.from < r.totalFrom {
		return 0, metricsource.PartUnknown, false // missing, not the history there is: a counter's points before it are its baseline
	}
	sum, ok := fn.sumIncrease(kindTotal, r.from, r.to) // the invocation counters
	return sum / r.secs, metricsource.PartUnknown, ok
}

// blind reports whether r cannot read fn because its window reaches before
// a rebased page (store.rebased), whose calls since the last page are
// unknown: the counters' rate, and a capacity read from arrivals alone (the
// peak read the step before it, 0 for a function idle there and busy since,
// as present: a review's finding). A function with the in-flight gauge
// still reads its capacity: the gauge is sampled, not derived, and the
// arrivals' part is the larger only where it is known (another finding:
// every rebase blinded capacity for a window); but see unknownZero.
func (r windowRead) blind(fn *function) bool {
	return r.from < r.rebased && (!r.capacity || !fn.hasGauge)
}

// unknownZero reports whether v, fn's capacity over r's window read from
// its in-flight gauge (blind let it through), is no reading: the window
// reaches before a rebased page and fn has the duration histogram, so its
// arrivals, unknown for the interval up to that page, could be the larger
// part. A gauge above 0 is a known lower bound; a gauge at 0 read a
// function called only in that interval (short requests, which the gauge's
// samples miss) as idle, present, a scale-down input. No histogram: the
// gauge is its whole capacity, as at any other time.
func (r windowRead) unknownZero(fn *function, v float64) bool {
	return v == 0 && r.capacity && r.from < r.rebased && fn.hasSeconds
}

// sumIncrease sums the increases over (from, to] of fn's series of kind
// (codes, names) and says whether any of them was present.
func (fn *function) sumIncrease(kind metricKind, from, to int64) (sum float64, present bool) {
	for i := range fn.series {
		ser := &fn.series[i]
		if ser.key.kind == kind {
			inc, ok := ser.increase(from, to)
			sum += inc
			present = present || ok
		}
	}
	return sum, present
}

// peak is fn's concurrency peak over [from, to]: the larger of its in-flight
// series' peak (of their sum when several: peakOfSum) and the peak of the concurrency its
// arrivals brought, interval by interval (see function.arrivals), and
// which of the two it was (the gauge when they are equal).
func (fn *function) peak(from, to int64) (float64, metricsource.Part, bool) {
	quiet := fn.loadAt <= from
	if quiet && fn.memoSet {
		return fn.peakMemo, fn.memoPart, fn.memoHas
	}
	v, part, present := fn.peakOver(from, to)
	if quiet {
		fn.peakMemo, fn.memoPart, fn.memoHas, fn.memoSet = v, part, present, true
	}
	return v, part, present
}

// peakOver is peak read from the series: peakOver2's longer window, the
// shorter one the same (one walk, no second sum).
func (fn *function) peakOver(from, to int64) (float64, metricsource.Part, bool) {
	l, _ := fn.peakOver2(from, from, to)
	return l.v, l.part, l.has
}

// peakOfSum is the peak over [from, to] of the in-flight series' sum, for a
// function with several (an exposition merging gateway replicas): the
// Prometheus source's max_over_time of the sum. The sum of each series' own
// peak read two replicas that each held 10 requests, at different times,
// as 20. The sum changes only where a series does: it is read at from and
// at each change within the window.
func (fn *function) peakOfSum(from, to int64) float64 {
	sumAt := func(t int64) float64 {
		var v float64
		for i := range fn.series {
			if ser := &fn.series[i]; ser.key.kind == kindInflight {
				if x, ok := ser.at(t); ok {
					v += x
				}
			}
		}
		return v
	}
	peak := sumAt(from)
	for i := range fn.series {
		ser := &fn.series[i]
		if ser.key.kind != kindInflight {
			continue
		}
		for j := ser.after(from); j < len(ser.pts) && ser.pts[j].t <= to; j++ {
			peak = max(peak, sumAt(ser.pts[j].t))
		}
	}
	return peak
}
