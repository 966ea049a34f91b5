package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Source is the embedded metrics source. It is safe for concurrent use.
type Source struct {
	cfg   Config
	clock clock.Clock
	log   *slog.Logger

	mu        sync.RWMutex
	st        *store
	retention time.Duration
	// base is the least retention (the configured one, or the arrivals'
	// mean duration window); demand, the windows asked for (retention.go).
	base   time.Duration
	demand demand
}

var (
	_ metricsource.Source          = (*Source)(nil)
	_ metricsource.SubsetActivity  = (*Source)(nil)
	_ metricsource.AlignedActivity = (*Source)(nil)
	_ metricsource.SubsetLoad      = (*Source)(nil)
	_ metricsource.PartedLoad      = (*Source)(nil)
	_ metricsource.AlignedLoad     = (*Source)(nil)
	_ metricsource.StartedCounts   = (*Source)(nil)
)

// New validates cfg and returns a Source with no history yet.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = cfg.Interval
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("source", "embedded")
	// The arrivals' mean duration looks this far back at every scrape.
	retention := max(cfg.Retention, MeanDurationWindow+2*cfg.Interval)
	s := &Source{cfg: cfg, clock: clk, log: log, retention: retention, base: retention}
	s.st = s.newStore()
	return s, nil
}

// newStore is an empty store for s.
func (s *Source) newStore() *store {
	st := newStore(s.cfg.DefaultNamespace, s.log)
	st.gaps.over = s.maxGap().Nanoseconds()
	return st
}

// Observe records samples as one successful scrape at now. Run and
// ScrapeOnce use it; the trace simulator calls it directly.
func (s *Source) Observe(now time.Time, samples []Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := max(s.base, s.demand.longest(now)); r < s.retention {
		s.log.Info("retention lowered to the longest window asked within the last 8 days and its vanish lookback", "from", s.retention, "to", r)
		s.retention = r
	}
	s.st.ingest(now, samples, s.retention)
}

// AnswersLocally marks the source as metricsource.Local: every answer
// comes from the store the controller's own scrapes fill.
func (s *Source) AnswersLocally() {}

// LastScrape is the newest successful scrape and the configured interval
// (metricsource.ScrapeClock).
func (s *Source) LastScrape(context.Context) (metricsource.Scrape, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.st.scrapes)
	if n == 0 {
		return metricsource.Scrape{Every: s.cfg.Interval}, nil
	}
	return metricsource.Scrape{At: time.Unix(0, s.st.scrapes[n-1]), Every: s.cfg.Interval}, nil
}

// maxGap is the longest gap between successful scrapes that still counts as
// continuous observation: one missed scrape plus jitter, not two.
func (s *Source) maxGap() time.Duration { return s.cfg.Interval * 5 / 2 }

// ShortestCoveredWindow (metricsource.CoveredWindow) is the shortest
// activity window that scrapes on time cover (GapBound allows a gap of a
// third of it): three intervals and a quarter more for a late scrape, as
// the Prometheus source reads it from the gateway's scrape interval. The
// idler queries adaptive keep-alives over at least this.
func (s *Source) ShortestCoveredWindow() time.Duration {
	return 3 * (s.cfg.Interval + s.cfg.Interval/4)
}

// window validates a query window asked at now and raises retention to
// cover it (for keepAsked at least: retention.go).
func (s *Source) window(now time.Time, w time.Duration) error {
	if w < time.Second {
		return fmt.Errorf("window %s: must be at least 1s", w)
	}
	// Keep a vanished series long enough to tell it from one never seen.
	l := metricsource.VanishLookback(w)
	s.demand.asked(now, l)
	if l > s.retention {
		s.log.Info("retention raised to the longest window asked and its vanish lookback", "from", s.retention, "to", l)
		s.retention = l
	}
	return nil
}

// fresh returns the span for a window ending now, or an ErrUnavailable
// error when the source has no recent successful scrape or fewer than two.
func (s *Source) fresh(now time.Time, w time.Duration) (from, to int64, err error) {
	from, to, ok := s.st.span(now, w)
	switch {
	case to == 0:
		return 0, 0, fmt.Errorf("%w: embedded source has not scraped the gateway yet", metricsource.ErrUnavailable)
	case now.UnixNano()-to > s.maxGap().Nanoseconds():
		return 0, 0, fmt.Errorf("%w: embedded source's last successful scrape was %s ago",
			metricsource.ErrUnavailable, time.Duration(now.UnixNano()-to))
	case !ok:
		return 0, 0, fmt.Errorf("%w: embedded source needs two scrapes to measure a window", metricsource.ErrUnavailable)
	}
	return from, to, nil
}

// Load answers rps (rate of the invocation counter) and capacity (in-flight
// peak) over q.Window ending now. Other types are not available here.
func (s *Source) Load(_ context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	v, _, err := s.load(q, nil, true, false)
	return v, err
}

// LoadFor is Load with only refs' entries (metricsource.SubsetLoad): the
// scaler's follow-ups ask about a function or two every second.
func (s *Source) LoadFor(_ context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, error) {
	v, _, err := s.load(q, refs, false, false)
	return v, err
}

// LoadParts is Load (refs nil) or LoadFor with, for capacity, which part
// each reading came from (metricsource.PartedLoad).
func (s *Source) LoadParts(_ context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	return s.load(q, refs, refs == nil, true)
}

// LoadAligned is LoadParts in fns' order (metricsource.AlignedLoad): one
// store lookup per function, no maps built. A function the store does not
// know has no reading, as in LoadParts.
func (s *Source) LoadAligned(_ context.Context, q metricsource.LoadQuery, fns []provider.Function, buf []metricsource.Reading) ([]metricsource.Reading, error) {
	s.mu.Lock() // reader() may raise retention
	defer s.mu.Unlock()
	read, err := s.reader(q)
	if err != nil {
		return buf, err
	}
	out := metricsource.Readings(buf, len(fns))
	for i := range fns {
		r := metricsource.Reading{}
		if fn := s.st.aligned.lookup(s.st, i, len(fns), fns[i].Ref); fn != nil {
			var part metricsource.Part
			if r.Value, part, r.Has = read.of(fn); r.Has {
				r.Part = part
			}
		}
		out[i] = r
	}
	return out, nil
}

// load answers over every function (all) or over refs, with capacity's
// parts when parted.
func (s *Source) load(q metricsource.LoadQuery, refs []provider.Ref, all, parted bool) (metricsource.Values, metricsource.Parts, error) {
	s.mu.Lock() // reader() may raise retention
	defer s.mu.Unlock()
	read, err := s.reader(q)
	if err != nil {
		return nil, nil, err
	}
	var parts metricsource.Parts // the arrivals' winners only (metricsource.Parts)
	if parted && q.Type == metricsource.TypeCapacity {
		parts = make(metricsource.Parts)
	}
	one := func(out metricsource.Values, ref provider.Ref, fn *function) {
		v, part, ok := read.of(fn)
		if !ok {
			return
		}
		out[ref] = v
		if parts != nil && part != metricsource.PartGauge {
			parts[ref] = part
		}
	}
	if all {
		out := make(metricsource.Values, len(s.st.fns)) // sized once, not regrown as it fills
		for ref, fn := range s.st.fns {
			one(out, ref, fn)
		}
		return out, parts, nil
	}
	out := make(metricsource.Values, len(refs))
	for _, ref := range refs {
		if fn := s.st.fns[ref]; fn != nil {
			one(out, ref, fn)
		}
	}
	return out, parts, nil
}

// reader checks q against what the store can answer now and returns how
// to read one function's value of it: rps, the invocation counters' rate;
// capacity, the in-flight peak or the arrivals' part, saying which
// (PartUnknown for rps). The caller holds s.mu for writing.
func (s *Source) reader(q metricsource.LoadQuery) (windowRead, error) {
	switch q.Type {
	case metricsource.TypeRPS:
		s.st.rpsAsked = true // asked, answered or not: the counters are kept from now on
	case metricsource.TypeCapacity:
	default:
		return windowRead{}, fmt.Errorf("scaling type %q is not available from the embedded source, which reads only the gateway's /metrics; use the Prometheus source", q.Type)
	}
	now := s.clock.Now()
	if err := s.window(now, q.Window); err != nil {
		return windowRead{}, fmt.Errorf("load %s: %w", q.Type, err)
	}
	from, to, err := s.fresh(now, q.Window)
	if err != nil {
		return windowRead{}, fmt.Errorf("load %s: %w", q.Type, err)
	}
	if q.Type == metricsource.TypeRPS {
		return windowRead{from: from, to: to, secs: time.Duration(to - from).Seconds(), totalFrom: s.st.totalFrom}, nil
	}
	if !s.st.sawInflight && !s.st.sawSeconds {
		return windowRead{}, fmt.Errorf("load capacity: the gateway exports neither %s nor gateway_functions_seconds", MetricInflight)
	}
	s.st.capacityWindow = max(s.st.capacityWindow, q.Window)
	if s.st.capacitySeq == 0 {
		s.st.capacitySeq = s.st.seq
	}
	return windowRead{capacity: true, from: now.UnixNano() - q.Window.Nanoseconds(), to: to}, nil
}

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
}

// of is fn's value, its part and whether it has one.
func (r windowRead) of(fn *function) (float64, metricsource.Part, bool) {
	if r.capacity {
		return fn.peak(r.from, r.to)
	}
	if fn.hasStarted && r.from < r.totalFrom {
		return 0, metricsource.PartUnknown, false // missing, not the history there is: a counter's points before it are its baseline
	}
	sum, ok := fn.sumIncrease(kindTotal, r.from, r.to) // the invocation counters
	return sum / r.secs, metricsource.PartUnknown, ok
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

// peakOver is peak read from the series.
func (fn *function) peakOver(from, to int64) (float64, metricsource.Part, bool) {
	var sum, arrivals float64
	var present bool
	gauges := 0
	for i := range fn.series {
		ser := &fn.series[i]
		switch ser.key.kind {
		case kindInflight:
			if m, ok := ser.maxOver(from, to); ok {
				sum += m
				present = true
				gauges++
			}
		case kindArrivals:
			if m, ok := ser.maxOver(from, to); ok {
				arrivals = m
				present = true
			}
		}
	}
	if gauges > 1 {
		sum = fn.peakOfSum(from, to)
	}
	if arrivals > sum {
		return arrivals, metricsource.PartArrivals, present
	}
	return sum, metricsource.PartGauge, present
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

// Activity returns invocations started within window (started counter, or
// the invocation counter for functions without one), in-flight now (nil
// when the gateway does not export it), wakes from zero within the window
// (from the replica count), and whether successful scrapes cover the window
// with no gap over 2.5×Interval.
func (s *Source) Activity(_ context.Context, window time.Duration) (metricsource.Activity, error) {
	return s.activity(window, nil, true)
}

// ActivityFor is Activity with only refs' entries (metricsource.SubsetActivity):
// the idler asks for each keep-alive window about the functions that have
// it, and a cycle had cost one pass over every function per window.
func (s *Source) ActivityFor(_ context.Context, window time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	return s.activity(window, refs, false)
}

// StartedCounts is Activity's Started without the rest
// (metricsource.StartedCounts): the keep-alive feeder's read.
func (s *Source) StartedCounts(_ context.Context, window time.Duration, buf []metricsource.Count) ([]metricsource.Count, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, from, to, err := s.activitySpan(window)
	if err != nil {
		return buf[:0], err
	}
	out := buf[:0]
	for ref, fn := range s.st.fns {
		if n, ok := fn.startedIn(from, to); ok {
			out = append(out, metricsource.Count{Ref: ref, N: n})
		}
	}
	return out, nil
}

// activitySpan validates an activity window (raising retention to cover
// it) and returns now and the span of scrapes it covers, or the error an
// activity query answers. The caller holds s.mu for writing.
func (s *Source) activitySpan(window time.Duration) (now time.Time, from, to int64, err error) {
	now = s.clock.Now()
	if err := s.window(now, window); err != nil {
		return now, 0, 0, fmt.Errorf("activity: %w", err)
	}
	if from, to, err = s.fresh(now, window); err != nil {
		return now, 0, 0, fmt.Errorf("activity over %s: %w", window, err)
	}
	return now, from, to, nil
}

// span is what each function's part of an activity answer is read over
// (function.activity), in Unix nanoseconds.
type span struct {
	from, to int64 // the scrapes the starts are counted between
	since    int64 // the earliest wake reported
	seenFrom int64 // a series missing at to and seen after it vanished
}

// activityHead opens an activity answer over window: its window and
// coverage (no maps), and the span its parts are read over. The caller
// holds s.mu for writing.
func (s *Source) activityHead(window time.Duration) (act metricsource.Activity, sp span, err error) {
	now, from, to, err := s.activitySpan(window)
	if err != nil {
		return act, sp, err
	}
	// Bounded as the Prometheus source bounds it (metricsource.GapBound:
	// never more than a third of the window): with maxGap alone a missed
	// scrape left 90 % of a 10 s window unseen and read "covered, nothing
	// started" for a function called after the last scrape.
	act = metricsource.Activity{Window: window, Uncovered: s.st.covered(now, window, metricsource.GapBound(window, s.maxGap()))}
	act.Covered = act.Uncovered == ""
	sp = span{from: from, to: to, since: now.UnixNano() - window.Nanoseconds(),
		seenFrom: to - metricsource.VanishLookback(window).Nanoseconds()}
	return act, sp, nil
}

// activity answers over every function (all) or over refs.
func (s *Source) activity(window time.Duration, refs []provider.Ref, all bool) (metricsource.Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	act, sp, err := s.activityHead(window)
	if err != nil {
		return metricsource.Activity{}, err
	}
	n := len(refs)
	if all {
		n = len(s.st.fns)
	}
	act.Started = make(metricsource.Values, n)
	if s.st.sawInflight {
		act.Inflight = make(metricsource.Values, n) // sized once, not regrown as it fills
	}
	if all {
		for ref, fn := range s.st.fns {
			add(&act, ref, fn.activity(sp))
		}
		return act, nil
	}
	for _, ref := range refs {
		if fn := s.st.fns[ref]; fn != nil {
			add(&act, ref, fn.activity(sp))
		}
	}
	return act, nil
}

// ActivityInto is ActivityFor into an array in refs' order
// (metricsource.AlignedActivity): the same parts, without the maps.
func (s *Source) ActivityInto(_ context.Context, window time.Duration, refs []provider.Ref, out []metricsource.FunctionActivity) (metricsource.Activity, []metricsource.FunctionActivity, error) {
	out = slices.Grow(out[:0], len(refs))[:len(refs)]
	clear(out)
	s.mu.Lock()
	defer s.mu.Unlock()
	act, sp, err := s.activityHead(window)
	if err != nil {
		return metricsource.Activity{}, out, err
	}
	for i, ref := range refs {
		if fn := s.st.fns[ref]; fn != nil {
			out[i] = fn.activity(sp)
		}
	}
	return act, out, nil
}

// add sets ref's entries of a (whose maps activity made) from e.
func add(a *metricsource.Activity, ref provider.Ref, e metricsource.FunctionActivity) {
	if e.HasStarted {
		a.Started[ref] = e.Started
	}
	if e.HasInflight {
		if a.Inflight == nil {
			a.Inflight = metricsource.Values{} // no gauge: in flight from the counters
		}
		a.Inflight[ref] = e.Inflight
	}
	if !e.Woken.IsZero() {
		if a.Woken == nil {
			a.Woken = map[provider.Ref]time.Time{}
		}
		a.Woken[ref] = e.Woken
	}
	if e.Vanished {
		if a.Vanished == nil {
			a.Vanished = map[provider.Ref]bool{}
		}
		a.Vanished[ref] = true
	}
}

// activity is fn's part of an activity answer over sp: its invocations
// started in (from, to], in flight at to, woken since since, or vanished:
// missing at to after being seen since seenFrom (to − metricsource.
// VanishLookback of the window), as the Prometheus source and the idler's
// own memory bound it. Any counter still in the history once made the function vanished:
// for the whole retention (30 minutes, or hours with a long keep-alive),
// so after a gateway restart a function not called since stayed
// "missing data" that long instead of one lookback.
func (fn *function) activity(sp span) metricsource.FunctionActivity {
	from, to, since, seenFrom := sp.from, sp.to, sp.since, sp.seenFrom
	var inflight float64
	var hasInflight bool
	// The counters at to, for an in-flight count without the gauge.
	var started, ended float64
	var hasStartedNow bool
	// A counter seen before (it is still in the history) but missing
	// from the latest scrape, with no counter of the function in it:
	// vanished, so unknown rather than "never invoked".
	var gone, here bool
	var woke int64
	for i := range fn.series {
		ser := &fn.series[i]
		if ser.key.kind == kindReplicas {
			if t, ok := ser.wokenAt(since, to); ok {
				woke = max(woke, t)
			}
			continue
		}
		if ser.key.kind == kindTotal || ser.key.kind == kindStarted {
			if v, ok := ser.at(to); ok {
				here = true
				if ser.key.kind == kindStarted {
					started, hasStartedNow = started+v, true
				} else {
					ended += v
				}
			} else if i := ser.after(to); i > 0 && ser.pts[i-1].absent() && ser.pts[i-1].t > seenFrom {
				// Present until the scrape that found it missing, within
				// the lookback.
				gone = true
			}
		}
		if ser.key.kind == kindInflight {
			if v, ok := ser.at(to); ok {
				inflight += v
				hasInflight = true
			}
		}
	}
	var e metricsource.FunctionActivity
	if started, ok := fn.startedIn(from, to); ok {
		e.Started, e.HasStarted = started, true
	}
	if !hasInflight && hasStartedNow {
		inflight, hasInflight = metricsource.DerivedInflight(started, ended), true // no gauge: from the counters
	}
	e.Inflight, e.HasInflight = inflight, hasInflight
	if woke != 0 {
		e.Woken = time.Unix(0, woke)
	}
	e.Vanished = gone && !here
	return e
}

// startedIn is fn's invocations started in (from, to]: the started
// counter's increase, or without one the invocation counter's, summed over
// the function's series of it (codes, names); ok when any was present.
func (fn *function) startedIn(from, to int64) (float64, bool) {
	if fn.hasStarted {
		return fn.sumIncrease(kindStarted, from, to)
	}
	return fn.sumIncrease(kindTotal, from, to)
}

// LastActivity returns the time of the scrape at which ref's started counter
// (or, without one, its invocation counter) last increased; false when that
// was never seen within the retained history.
func (s *Source) LastActivity(ref provider.Ref) (time.Time, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn := s.st.fns[ref]
	if fn == nil {
		return time.Time{}, false
	}
	t := fn.lastTotal
	if fn.hasStarted {
		t = fn.lastStarted
	}
	if t == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, t), true
}
