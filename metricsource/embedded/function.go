package embedded

import "github.com/faas-autoscaler/faas-autoscaler/metricsource"

// function is everything kept about one function.
type function struct {
	// A function has a handful of series (codes × names): a slice scanned
	// linearly beats a map at this size, in time and memory. Held by value,
	// so a scrape's pass over a function's series reads one array, not a
	// series from elsewhere in the heap per sample. A *series into it is
	// valid until the slice is appended to or compacted (by sweep).
	series []series
	// name, when not empty, is the function_name every one of its gateway
	// series has (their key.name; the derived arrivals' names none): most
	// functions are listed by one name, so a scrape's run of samples
	// already told to be of that name (run.name) need not compare it with
	// each series' again (store.repeatsFrom). Set by add: the first
	// series names it, one of another name empties it (an empty name stays
	// so but for a function whose series were all dropped); a series
	// dropped (sweep) leaves the others with it.
	name string
	// Last scrape (Unix ns) at which the started / total counters increased.
	lastStarted, lastTotal int64
	hasStarted             bool
	// groups is what is kept of the function's gateway replicas
	// (seriesKey.inst) on a merged page: those without the started
	// counter, whose invocation counter counts as started (groups.go; nil
	// for a single gateway's page). groupsDirty: a counter series was made
	// or dropped since it was set (sweep sets it anew). startedPlain: the
	// group without other labels has had the started counter.
	groups                    *replicaGroups
	groupsDirty, startedPlain bool
	// hasSeconds: the function has the duration histogram.
	hasSeconds bool
	// hasGauge: one of series is an in-flight gauge (set by add, set anew
	// by sweep's walk, which alone drops series): windowRead.blind asks it
	// of every function a read over a rebase reaches, and walking the
	// series for it was a scan per function per read.
	hasGauge bool
	// gone: deleted from the store (a positional cache may still hold it).
	gone bool
	// The started and total counters' increases since the previous scrape
	// (ingest's scratch, for arrivals) and the scrape they are for.
	dStarted, dTotal float64
	dSeq             uint64
	// loadAt is the last scrape (Unix ns) at which a series peak reads (the
	// in-flight gauge, the arrivals) changed: a point, an absence, a
	// series made or dropped. A window starting at or after it finds every
	// one of them at its last value throughout, so its peak is the same as
	// any other such window's: peakMemo, kept until the next change (most
	// functions, most passes: none in flight and no arrival for minutes).
	loadAt   int64
	peakMemo float64
	// memoGauge is the memo's gauge peak (peakRead.g): over a rebase it
	// decides whether the peak is known (windowRead.known).
	memoGauge float64
	memoPart  metricsource.Part
	memoHas   bool // the memo's present
	memoGHas  bool // the gauge had a value
	memoSet   bool
	// seenN counts the series seen at the scrape seenSeq, and minDrop is
	// the earliest time at which sweep's walk would prune a series with two
	// points or more (its drop plus how long its kind keeps points,
	// store.keep) as of the last walk over them and the points added since
	// (0: walk them): see settled.
	seenSeq uint64
	seenN   int
	minDrop int64
}

// loadChanged records a change at t of a series peak reads.
func (fn *function) loadChanged(t int64) {
	fn.loadAt, fn.memoSet = t, false
}

// memo is the peak memo as peak reads it (memoSet: set).
func (fn *function) memo() peakRead {
	return peakRead{v: fn.peakMemo, part: fn.memoPart, has: fn.memoHas, g: fn.memoGauge, gHas: fn.memoGHas}
}

// memoReading is memo().reading(), field by field: no peakRead built and
// copied for it.
func (fn *function) memoReading() metricsource.Reading {
	if !fn.memoHas {
		return metricsource.Reading{Value: fn.peakMemo}
	}
	return metricsource.Reading{Value: fn.peakMemo, Has: true, Part: fn.memoPart}
}

// setMemo keeps p as the peak of every window starting at or after loadAt.
// Field by field, not a peakRead: its padding would add 16 bytes to every
// function kept.
func (fn *function) setMemo(p peakRead) {
	fn.peakMemo, fn.memoPart, fn.memoHas, fn.memoGauge, fn.memoGHas, fn.memoSet = p.v, p.part, p.has, p.g, p.gHas, true
}

func (fn *function) find(key seriesKey) *series {
	for i := range fn.series {
		// Field by field, the kind first: it tells most of a function's
		// series apart, and the struct's == was a call per series.
		if s := &fn.series[i]; s.key.kind == key.kind && s.key.name == key.name && s.key.code == key.code && s.key.inst == key.inst {
			return s
		}
	}
	return nil
}

// findFrom is find, trying the series at index j first: a function's
// series were made in the order its first scrape listed them, and each
// scrape lists them in that order, so the j-th sample of a function in a
// scrape is most often its j-th series (find compared it with every
// series before it, a twentieth of a trace replay).
func (fn *function) findFrom(j int, key seriesKey) *series {
	if j < len(fn.series) {
		if s := &fn.series[j]; s.key.kind == key.kind && s.key.name == key.name && s.key.code == key.code && s.key.inst == key.inst {
			return s
		}
	}
	return fn.find(key)
}

// add appends a new series named key and returns it. The array grows by
// two, not by append's doubling: a function has a handful of series (the
// gateway's six or so and the derived arrivals), all arriving in its first
// scrapes, and append's doubling of an array of 96-byte series (3, 6,
// 12) left up to five of them unused per function, half a kilobyte. Past
// eight it grows by a quarter: a page with thousands of series of one
// function (codes, an instance label) copied the array at every second
// one, 246 MB for 3,000 series, quadratic (a review's finding).
func (fn *function) add(key seriesKey) *series {
	if n := len(fn.series); n == cap(fn.series) {
		grown := make([]series, n, n+max(2, n/4))
		copy(grown, fn.series)
		fn.series = grown
	}
	switch {
	case key.kind == kindArrivals: // names no function
	case len(fn.series) == 0:
		fn.name = key.name
	case key.name != fn.name:
		fn.name = ""
	}
	fn.series = append(fn.series, series{key: key})
	switch key.kind {
	case kindStarted, kindTotal:
		fn.groupsDirty = true
	case kindInflight:
		fn.hasGauge = true
	}
	return &fn.series[len(fn.series)-1]
}
