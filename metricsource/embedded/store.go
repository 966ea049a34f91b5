package embedded

import (
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Gateway series the source keeps; everything else in a scrape is ignored.
const (
	MetricTotal    = "gateway_function_invocation_total"
	MetricStarted  = promql.MetricStarted
	MetricInflight = promql.MetricInflight
	// MetricReplicas is the gateway's replica count per function: a fall to
	// 0 and a rise from it are a wake from zero (Activity.Woken).
	MetricReplicas = "gateway_service_count"
	// MetricSecondsSum and MetricSecondsCount are the gateway's request
	// duration histogram's sum and count (gateway_functions_seconds). Both
	// grow when a request ends; over minutes they give the function's mean
	// request duration, which weighs its arrivals (see arrivals).
	MetricSecondsSum   = promql.MetricSecondsSum
	MetricSecondsCount = promql.MetricSecondsCount
)

// Sample is one gateway series' value in a scrape. The trace simulator
// builds these directly and feeds them through Observe.
type Sample struct {
	Metric       string // one of the Metric* names; others are ignored
	FunctionName string // the gateway's function_name label, "name.namespace" or "name"
	Code         string // HTTP code label of MetricTotal; empty otherwise
	// Instance is the series' other labels, if any (parse renders them as
	// sorted name="value" pairs): what tells apart the series of several
	// gateway replicas in one exposition (instance, pod). Series apart only
	// in it are summed, each with its own resets, as Prometheus'
	// sum(rate(...)) by (function_name) reads them. Empty for one gateway.
	Instance string
	Value    float64
}

type metricKind uint8

const (
	kindTotal metricKind = iota
	kindStarted
	kindInflight
	kindReplicas
	kindSecondsSum
	kindSecondsCount
	// kindArrivals is derived, not scraped: the concurrency the interval's
	// arrivals bring (see arrivals), one series per function.
	kindArrivals
)

// metricOf is each scraped kind's metric name (kindOf's inverse).
var metricOf = [...]string{kindTotal: MetricTotal, kindStarted: MetricStarted, kindInflight: MetricInflight,
	kindReplicas: MetricReplicas, kindSecondsSum: MetricSecondsSum, kindSecondsCount: MetricSecondsCount}

// keepStartedTotal is store.keep's entry for the invocation counter of a
// function that has the started counter: only rps loads read its history
// (activity reads its value at the latest scrape, the started counts and
// the arrivals come from the started counter), so while the scaler asks
// capacity and no rps it keeps its latest point alone. Kept for the
// retention, a busy function's added about a tenth of a replayed day's
// bytes allocated, in arrays of hours of points.
const keepStartedTotal = kindArrivals + 1

// keeps is how long each kind's series keep their points (store.keep),
// and keepStartedTotal's.
type keeps [keepStartedTotal + 1]int64

// keepOf is how long fn's series of kind k keep their points under keep.
func (fn *function) keepOf(k metricKind, keep *keeps) int64 {
	if k == kindTotal && fn.trimsTotal() {
		return keep[keepStartedTotal]
	}
	return keep[k]
}

// counter: the scraped series only rises, but for a reset.
func (k metricKind) counter() bool {
	return k == kindTotal || k == kindStarted || k == kindSecondsSum || k == kindSecondsCount
}

// coded: the series' key holds the sample's code label.
func (k metricKind) coded() bool {
	return k == kindTotal || k == kindSecondsSum || k == kindSecondsCount
}

func kindOf(metric string) (metricKind, bool) {
	switch metric {
	case MetricTotal:
		return kindTotal, true
	case MetricStarted:
		return kindStarted, true
	case MetricInflight:
		return kindInflight, true
	case MetricReplicas:
		return kindReplicas, true
	case MetricSecondsSum:
		return kindSecondsSum, true
	case MetricSecondsCount:
		return kindSecondsCount, true
	}
	return 0, false
}

// seriesKey names a series within one function. The raw function_name is
// part of it: "figlet" and "figlet.openfaas-fn" are two gateway series of
// the same function and add up; so is inst (Sample.Instance): two gateway
// replicas' series of a function add up too.
type seriesKey struct {
	kind metricKind
	name string
	code string
	inst string
}

// function is everything kept about one function.
type function struct {
	// A function has a handful of series (codes × names): a slice scanned
	// linearly beats a map at this size, in time and memory. Held by value,
	// so a scrape's pass over a function's series reads one array, not a
	// series from elsewhere in the heap per sample. A *series into it is
	// valid until the slice is appended to or compacted (by sweep).
	series []series
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
	memoPart metricsource.Part
	memoHas  bool // the memo's present
	memoSet  bool
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

// readsLoad: peak reads series of kind.
func (k metricKind) readsLoad() bool { return k == kindInflight || k == kindArrivals }

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
	fn.series = append(fn.series, series{key: key})
	if key.kind == kindStarted || key.kind == kindTotal {
		fn.groupsDirty = true
	}
	return &fn.series[len(fn.series)-1]
}

// store is the in-memory history. Callers hold Source.mu.
type store struct {
	fns     map[provider.Ref]*function
	refs    map[string]provider.Ref // function_name → ref, parsed once
	scrapes []int64                 // successful scrape times, ascending
	seq     uint64
	// sawInflight: the gateway exports the in-flight gauge at all;
	// sawSeconds: the duration histogram.
	sawInflight, sawSeconds bool
	// capacityWindow is the longest capacity window asked so far: the
	// arrivals' derived series and the in-flight gauge are kept that long,
	// not the whole retention (0 until asked: the whole retention).
	capacityWindow time.Duration
	defaultNS      string
	log            *slog.Logger
	// added counts the functions ever added to fns (poscache.go); the
	// caches resolve functions without the maps' lookups.
	added   uint64
	aligned refCache
	scraped nameCache
	gaps    gapList // the gaps between scrapes covered looks for
	walkAll bool    // sweep walks the series of settled functions too (tests)
	rewalk  bool    // the next sweep walks them too: a keep shrank (setKeep)
	// procFrom is the first of the scrapes recorded since which every page
	// was one gateway process's, by its process_start_time_seconds (0: the
	// last page did not say, restart.go): a counter missing from a page
	// after it and back was not re-created (series.addResuming).
	procFrom int64
	// rebased is the latest scrape whose page came from a gateway process
	// not joinable to the last page's (restart.go, procRebased; 0: none):
	// the counters' increase up to it is unknown, so a window reaching
	// back over it reads missing (covered, windowRead).
	rebased int64
	// noRepeats: ingest takes every sample the whole way, none through
	// function.repeats (tests).
	noRepeats bool
	// keep is how long each kind's series keep their points at the scrape
	// being ingested: sweep cuts them at its time less that.
	keep keeps
	// rpsAsked: an rps load was asked (it reads the invocation counter's
	// history); capacitySeq is the scrape seq at which capacity was first
	// asked (0: never). totalFrom is the latest first point an invocation
	// counter of a function with a started counter was cut to short of the
	// retention: an rps window reaching before it is not all kept for those
	// functions (see keepStartedTotal). noTrim: never cut them so (tests).
	rpsAsked    bool
	capacitySeq uint64
	totalFrom   int64
	noTrim      bool
	// all is fns' entries as a slice, in the order they were added: sweep
	// visits every function at every scrape, and iterating the map was a
	// fifth of the sweep. Only ingest adds and only sweep deletes.
	all []storedFn
}

// storedFn is one entry of store.fns.
type storedFn struct {
	ref provider.Ref
	fn  *function
}

func newStore(defaultNS string, log *slog.Logger) *store {
	return &store{
		fns:       map[provider.Ref]*function{},
		refs:      map[string]provider.Ref{},
		defaultNS: defaultNS,
		log:       log,
	}
}

// refsSlack is how many names past two per function the name cache may
// hold (invalid names, names of forgotten functions) before sweep starts it
// again.
const refsSlack = 1024

// ref parses a function_name once and caches the result.
func (st *store) ref(name string) (provider.Ref, bool) {
	if r, ok := st.refs[name]; ok {
		return r, r.Name != ""
	}
	r, err := provider.ParseRef(name, st.defaultNS)
	if err != nil {
		st.log.Debug("sample with a bad function_name ignored", "function_name", name, "err", err)
		r = provider.Ref{} // cached as invalid
	}
	st.refs[name] = r
	return r, err == nil
}

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
	if n > 0 {
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

// baseline is the latest scrape at or before t-window, or the first scrape
// when history is shorter (0 when there is none).
func (st *store) baseline(t int64, window time.Duration) int64 {
	start := t - window.Nanoseconds()
	i := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > start })
	if i == 0 {
		if len(st.scrapes) == 0 {
			return 0
		}
		return st.scrapes[0]
	}
	return st.scrapes[i-1]
}

// span returns the baseline and latest scrape times for a window ending at
// now: the latest scrape at or before now-window (or the first scrape when
// history is shorter), and the latest scrape at or before now.
func (st *store) span(now time.Time, window time.Duration) (from, to int64, ok bool) {
	t := now.UnixNano()
	j := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > t })
	if j == 0 {
		return 0, 0, false
	}
	to = st.scrapes[j-1]
	from = st.baseline(t, window)
	return from, to, from < to
}

// covered reports why successful scrapes do not cover [now-window, now]
// with no gap longer than maxGap ("" when they do): one at or before the
// window's start, none of the gaps after it longer than maxGap, and the last
// one at most maxGap ago.
func (st *store) covered(now time.Time, window, maxGap time.Duration) string {
	t, g := now.UnixNano(), maxGap.Nanoseconds()
	start := t - window.Nanoseconds()
	j := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > t })
	i := sort.Search(j, func(i int) bool { return st.scrapes[i] > start })
	switch {
	case i == 0:
		return fmt.Sprintf("the gateway has been scraped for only part of the last %s", window)
	case t-st.scrapes[j-1] > g:
		return fmt.Sprintf("no scrape of the gateway for the last %s (longest allowed gap %s)", time.Duration(t-st.scrapes[j-1]).Round(time.Millisecond), maxGap)
	case st.rebased > st.scrapes[i-1]:
		return fmt.Sprintf("the gateway's page %s ago came from a process whose counters do not follow the last page's (process_start_time_seconds): the calls before it are unknown within the last %s",
			time.Duration(t-st.rebased).Round(time.Millisecond), window)
	}
	// The first gap from the scrape before the window's start up to the
	// last one: from the gaps listed, or a walk over the scrapes.
	var d int64
	if i < j {
		var known bool
		if d, known = st.gaps.firstIn(g, st.scrapes[i], st.scrapes[j-1]); !known {
			for k := i; k < j && d == 0; k++ {
				if dk := st.scrapes[k] - st.scrapes[k-1]; dk > g {
					d = dk
				}
			}
		}
	}
	if d > 0 {
		return fmt.Sprintf("a %s gap without a successful scrape of the gateway within the last %s (longest allowed %s)",
			time.Duration(d).Round(time.Millisecond), window, maxGap)
	}
	return ""
}
