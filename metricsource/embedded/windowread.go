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
		p := r.known(fn, fn.peak(r.from, r.to))
		return p.v, p.part, p.has
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
// as present: a review's finding). A function with an in-flight gauge
// series may still read its capacity: the gauge is sampled, not derived,
// and the arrivals' part is the larger only where it is known (another
// finding: every rebase blinded capacity for a window). Whether its gauge
// says anything in the window is known only from the series' points
// (known): hasGauge is a filter that spares the walk, not the answer.
func (r windowRead) blind(fn *function) bool {
	return r.from < r.rebased && (!r.capacity || !fn.hasGauge)
}

// known is p, fn's capacity over r's window (blind let it through), or no
// reading where the window reaches before a rebased page and the gauge
// does not bound it: the arrivals up to that page are unknown, so only the
// gauge's own peak is known there. No gauge value in the window (a series
// kept for a longer window while absent from the page: a review's
// finding) reads the arrivals alone, as a function without the gauge
// does. A gauge peak of 0 where fn has the duration histogram is no bound
// either: short requests, which the gauge's samples miss, read a function
// called only up to that page as idle, present (a scale-down input), and
// the arrivals read after it (one call: 0.1) as the whole peak, not the
// unknown larger part before (another finding: this tested max(gauge,
// arrivals) for 0). A gauge above 0 is a known lower bound, read with the
// arrivals known after the page. No histogram: the gauge is its whole
// capacity, as at any other time.
func (r windowRead) known(fn *function, p peakRead) peakRead {
	if p.has && r.capacity && r.from < r.rebased && (!p.gHas || p.g == 0 && fn.hasSeconds) {
		return peakRead{}
	}
	return p
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
func (fn *function) peak(from, to int64) peakRead {
	quiet := fn.loadAt <= from
	if quiet && fn.memoSet {
		return fn.memo()
	}
	p := fn.peakOver(from, to)
	if quiet {
		fn.setMemo(p)
	}
	return p
}

// peakOver is peak read from the series: peakOver2's longer window, the
// shorter one the same (one walk, no second sum).
func (fn *function) peakOver(from, to int64) peakRead {
	l, _ := fn.peakOver2(from, from, to)
	return l
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
