package embedded

import (
	"context"
	"fmt"
	"log/slog"
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
	// started is the gateway process's start time as the last page
	// recorded said (process_start_time_seconds; 0: not known), set when
	// it is recorded (observePage): a later one is a restart in place,
	// another a new baseline. pageStart is the last page's, recorded
	// or not; several: an earlier one was seen since sameRun pages ago
	// (pages from several processes, refused). restart.go.
	started, pageStart float64
	several            bool
	sameRun            int
	// servedAt is when the gateway served the last page recorded, on its
	// own clock (its Date header, whole seconds; 0: not known): the time
	// a new process's start is compared with (restart.go, startedSince).
	servedAt float64
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
	s.observe(now, samples, procUnknown, 0)
}

// observe is Observe; proc is what the page said of the gateway process
// (restart.go): after a restart its counters count from zero on this page.
// servedAt is when the gateway served it, on its clock (0: not known).
func (s *Source) observe(now time.Time, samples []Sample, proc process, servedAt float64) {
	s.observePage(now, samples, proc, 0, servedAt)
}

// observePage is observe of a scraped page whose gateway process started
// at start (process_start_time_seconds; 0: not known, the last kept).
// start and servedAt describe the last page recorded from then on only if
// ingest records this one: one it ignores for its time leaves the history
// ending at the page before, and the next page is told against that one's
// process (restart.go, pageProcess).
func (s *Source) observePage(now time.Time, samples []Sample, proc process, start, servedAt float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := max(s.base, s.demand.longest(now)); r < s.retention {
		s.log.Info("retention lowered to the longest window asked within the last 8 days and its vanish lookback", "from", s.retention, "to", r)
		s.retention = r
	}
	if s.st.ingest(now, samples, s.retention, proc) {
		// Recorded (ingest ignores a scrape not after the last).
		s.servedAt = servedAt
		if start > 0 {
			s.started = start
		}
	}
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
		// refCache.lookup, its hit inlined (refCache.hit).
		fn, ok := s.st.aligned.hit(i, len(fns), fns[i].Ref)
		if !ok {
			fn = s.st.aligned.resolve(s.st, i, len(fns), fns[i].Ref)
		}
		if fn != nil {
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
		return windowRead{from: from, to: to, secs: time.Duration(to - from).Seconds(), totalFrom: s.st.totalFrom, rebased: s.st.rebased}, nil
	}
	if !s.st.sawInflight && !s.st.sawSeconds {
		return windowRead{}, fmt.Errorf("load capacity: the gateway exports neither %s nor gateway_functions_seconds", MetricInflight)
	}
	s.st.capacityWindow = max(s.st.capacityWindow, q.Window)
	if s.st.capacitySeq == 0 {
		s.st.capacitySeq = s.st.seq
	}
	return windowRead{capacity: true, from: now.UnixNano() - q.Window.Nanoseconds(), to: to, rebased: s.st.rebased}, nil
}
