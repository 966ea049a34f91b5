package prometheus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Source answers metricsource questions from a Prometheus server.
type Source struct {
	cfg    Config
	api    v1.API
	client api.Client   // the query URL (vector.go)
	http   *http.Client // instant vectors' queries, decoded as read (vector.go)
	hints  sizeHints    // series per query's last answer (vector.go)
	log    *slog.Logger
	phase  phaseCache       // when they were last scraped (lastscrape.go)
	now    func() time.Time // the phase cache's clock (lastscrape.go); time.Now
}

var (
	_ metricsource.Source      = (*Source)(nil)
	_ metricsource.PartedLoad  = (*Source)(nil)
	_ metricsource.ScrapeClock = (*Source)(nil)
)

// ShortestCoveredWindow (metricsource.CoveredWindow) is the shortest window
// the coverage query reads as covered while the gateway is scraped on time.
// The query bounds gaps by metricsource.GapBound, a third of a window
// shorter than 3 × MaxScrapeGap, so: three scrape intervals, and a quarter
// more for a scrape that comes a little late, once the interval is known
// (LastScrape's median gap: 18.75 s at the OpenFaaS chart's 5 s, 3.75 s at
// the recommended 1 s); 3 × MaxScrapeGap until then, or when that is
// shorter. It used to be 3 × MaxScrapeGap always: a zero-duration label of
// 3s at a 1 s scrape, covered as it was, was stretched to 15 s.
func (s *Source) ShortestCoveredWindow() time.Duration {
	full := 3 * s.cfg.MaxScrapeGap
	sc, err := s.LastScrape(context.Background())
	if err != nil || sc.Every <= 0 {
		return full
	}
	return min(full, 3*(sc.Every+sc.Every/4))
}

// New validates cfg and returns a Source. It does not contact the server.
func New(cfg Config) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// One HTTP client, the library's default transport, for the library's
	// queries and the source's own (vector.go): one pool of connections.
	hc := &http.Client{Transport: api.DefaultRoundTripper}
	c, err := api.NewClient(api.Config{Address: cfg.URL, Client: hc})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, api: v1.NewAPI(c), client: c, http: hc, log: log.With("source", "prometheus"), now: time.Now}, nil
}

// Load returns every function's load of q.Type over q.Window (one query).
func (s *Source) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	v, _, err := s.load(ctx, q, false)
	return v, err
}

// LoadParts is Load with, for capacity, which part each reading came from
// (metricsource.PartedLoad): the same query without its last max, so one
// series per function and part, and the max taken here. A PromQL query
// costs the same for a few functions as for all, so refs are not sent;
// the callers ignore the extra entries.
func (s *Source) LoadParts(ctx context.Context, q metricsource.LoadQuery, _ []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	return s.load(ctx, q, true)
}

func (s *Source) load(ctx context.Context, q metricsource.LoadQuery, parted bool) (metricsource.Values, metricsource.Parts, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var interval time.Duration
	if q.Type == metricsource.TypeCapacity {
		interval = s.scrapeInterval(ctx)
	}
	parted = parted && q.Type == metricsource.TypeCapacity
	var expr string
	var err error
	if parted {
		expr, err = capacityPartsQuery(q.Window, s.cfg.MaxScrapeGap, interval)
	} else {
		expr, err = loadQuery(q, s.cfg.MaxScrapeGap, interval)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", q.Type, err)
	}
	vec, err := s.queryVector(ctx, expr)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", q.Type, err)
	}
	if parted {
		v, parts := s.partedValues(vec, expr)
		return v, parts, nil
	}
	return s.values(vec, expr), nil, nil
}

// Activity returns started invocations over window, in-flight invocations
// now, queued asynchronous work now, functions whose series vanished,
// functions woken from zero within the window, and whether the gateway was
// observed for the whole window: seven queries, run concurrently.
func (s *Source) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	if _, err := promDuration("activity window", window); err != nil {
		return metricsource.Activity{}, err
	}
	started, err := startedQuery(window)
	if err != nil {
		return metricsource.Activity{}, err
	}
	coverage, err := coverageQuery(s.cfg.CoverageSelector, window, s.cfg.MaxScrapeGap)
	if err != nil {
		return metricsource.Activity{}, err
	}
	vanished, err := vanishedQuery(metricsource.VanishLookback(window))
	if err != nil {
		return metricsource.Activity{}, err
	}
	inflight := inflightQuery()
	queued := queueLevel()
	woken, step, err := wokenQuery(window)
	if err != nil {
		return metricsource.Activity{}, err
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	counters := countersQuery()
	exprs := []string{started, inflight, coverage, vanished, queued, woken, counters}
	vecs := make([][]sample, len(exprs))
	errs := make([]error, len(exprs))
	var wg sync.WaitGroup
	for i, e := range exprs {
		wg.Go(func() { vecs[i], errs[i] = s.queryVector(ctx, e) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return metricsource.Activity{}, fmt.Errorf("activity over %s: %w", window, err)
	}
	act := metricsource.Activity{
		Window:  window,
		Started: s.values(vecs[0], started),
	}
	act.Uncovered = s.uncovered(vecs[2], window)
	act.Covered = act.Uncovered == ""
	// No in-flight series at all: the gateway does not export the gauge (it
	// keeps a series per invoked function once created), so "unknown", not
	// "nothing in flight".
	if len(vecs[1]) > 0 {
		act.Inflight = s.values(vecs[1], inflight)
	}
	act.Inflight = s.inflightFromCounters(act.Inflight, vecs[6], counters)
	for ref := range s.values(vecs[3], vanished) {
		if act.Vanished == nil {
			act.Vanished = map[provider.Ref]bool{}
		}
		act.Vanished[ref] = true
	}
	// No queue series at all: no queue worker exports them, so nothing is
	// known about queues (nil), rather than "nothing queued".
	if len(vecs[4]) > 0 {
		act.Queued = s.values(vecs[4], queued)
	}
	act.Woken = s.woken(vecs[5], step)
	return act, nil
}

// inflightFromCounters adds to inflight (the gauge's values, nil without
// the gauge) the in-flight count of each function that has a started
// counter and no gauge series, from countersQuery's answer vec.
func (s *Source) inflightFromCounters(inflight metricsource.Values, vec []sample, expr string) metricsource.Values {
	var started, ended []sample
	for _, smp := range vec {
		switch smp.Metric.Counter {
		case counterStarted:
			started = append(started, smp)
		case counterEnded:
			ended = append(ended, smp)
		}
	}
	if len(started) == 0 {
		return inflight
	}
	endedBy := s.values(ended, expr)
	for ref, n := range s.values(started, expr) {
		if _, ok := inflight[ref]; ok {
			continue // the gauge says
		}
		if inflight == nil {
			inflight = metricsource.Values{}
		}
		inflight[ref] = metricsource.DerivedInflight(n, endedBy[ref])
	}
	return inflight
}

// woken reads wokenQuery's result: the last step at zero plus one step (by
// then the count was above zero), never later than the evaluation time.
// Two series naming one function (bare and qualified names) keep the
// later time, not the sum that values would make of them.
func (s *Source) woken(vec []sample, step time.Duration) map[provider.Ref]time.Time {
	var out map[provider.Ref]time.Time
	for _, smp := range vec {
		ref, err := provider.ParseRef(smp.fn(), s.cfg.DefaultNamespace)
		v := smp.value()
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		at := time.Unix(0, int64(v*float64(time.Second))).Add(step)
		if now := smp.at(); at.After(now) {
			at = now
		}
		if out == nil {
			out = map[provider.Ref]time.Time{}
		}
		if at.After(out[ref]) {
			out[ref] = at
		}
	}
	return out
}

// uncovered reads coverageQuery's result: "" when the gateway was observed
// continuously over the window, else why not: every cause that holds, in
// this order (a failed scrape, part of the window, a gap). A Prometheus
// restart inside the window can leave both a failed scrape and a gap; the
// first alone hid the gap from whoever reads the reason.
func (s *Source) uncovered(vec []sample, window time.Duration) string {
	bound := metricsource.GapBound(window, s.cfg.MaxScrapeGap)
	got := map[string]float64{}
	for _, smp := range vec {
		got[smp.Metric.Check] = smp.Value.v
	}
	up, okUp := got[checkUp]
	age, okAge := got[checkAge]
	steps, okSteps := got[checkSteps]
	if !okUp || !okAge || !okSteps {
		return fmt.Sprintf("Prometheus has no scrape of the gateway (%s) in the last %s", s.cfg.CoverageSelector, window)
	}
	var why []string
	if up < 1 {
		why = append(why, fmt.Sprintf("a scrape of the gateway failed within the last %s", window))
	}
	if steps < 1 {
		why = append(why, fmt.Sprintf("Prometheus has scraped the gateway for only part of the last %s", window))
	}
	if age > bound.Seconds() {
		why = append(why, fmt.Sprintf("a %s gap without a scrape of the gateway within the last %s (longest allowed %s)",
			(time.Duration(age*float64(time.Second))).Round(100*time.Millisecond), window, bound))
	}
	return strings.Join(why, "; ")
}

// queryAs runs one instant query at the server's now and wants a T (what
// names it in the error): a vector, or a matrix for a range selector.
func queryAs[T model.Value](ctx context.Context, s *Source, expr, what string) (T, error) {
	var zero T
	v, warnings, _, err := s.api.Query(ctx, expr, time.Time{})
	if err != nil {
		return zero, classify(err, expr)
	}
	if len(warnings) > 0 {
		s.log.Debug("prometheus warnings", "query", expr, "warnings", warnings)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("query %s: got a %s, want %s", expr, v.Type(), what)
	}
	return t, nil
}

// classify maps client errors: a query Prometheus understood and rejected is
// a plain error (retrying cannot help); everything else means the data could
// not be read and wraps ErrUnavailable.
func classify(err error, expr string) error {
	var apiErr *v1.Error
	if errors.As(err, &apiErr) && (apiErr.Type == v1.ErrBadData || apiErr.Type == v1.ErrExec) {
		return fmt.Errorf("query %s: %w", expr, err)
	}
	return fmt.Errorf("%w: query %s: %w", metricsource.ErrUnavailable, expr, err)
}

// values turns a vector into per-function values. Series without a usable
// function_name, and NaN or infinite values, are left out: missing, not zero.
// Two series naming the same function (bare and qualified names) add up.
func (s *Source) values(vec []sample, expr string) metricsource.Values {
	out, _ := s.readValues(vec, expr, false)
	return out
}

// partedValues reads a capacity parts query: per function the larger part,
// each part summed over the function's series as values does, and the
// functions where it was the arrivals' (the gauge wins a tie). A series
// without a known part label is ignored.
func (s *Source) partedValues(vec []sample, expr string) (metricsource.Values, metricsource.Parts) {
	return s.readValues(vec, expr, true)
}

func (s *Source) readValues(vec []sample, expr string, parted bool) (metricsource.Values, metricsource.Parts) {
	type byPart struct {
		v    [2]float64 // gauge, arrivals
		seen [2]bool
	}
	var split map[provider.Ref]*byPart
	if parted {
		split = make(map[provider.Ref]*byPart, len(vec)/2)
	}
	out := make(metricsource.Values, len(vec))
	for _, smp := range vec {
		if !smp.hasFn() {
			s.log.Debug("series without function_name ignored", "query", expr, "series", smp.labels())
			continue
		}
		ref, err := provider.ParseRef(smp.fn(), s.cfg.DefaultNamespace)
		if err != nil {
			s.log.Debug("series with a bad function_name ignored", "query", expr, "err", err)
			continue
		}
		v := smp.value()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			s.log.Debug("non-finite value ignored", "query", expr, "function", ref.String(), "value", v)
			continue
		}
		if !parted {
			out[ref] += v
			continue
		}
		var i int
		switch smp.Metric.Part {
		case "gauge":
			i = 0
		case "arrivals":
			i = 1
		default:
			s.log.Debug("series without a known part ignored", "query", expr, "series", smp.labels())
			continue
		}
		b := split[ref]
		if b == nil {
			b = &byPart{}
			split[ref] = b
		}
		b.v[i] += v
		b.seen[i] = true
	}
	if !parted {
		return out, nil
	}
	parts := make(metricsource.Parts) // the arrivals' winners only (metricsource.Parts)
	for ref, b := range split {
		if b.seen[1] && (!b.seen[0] || b.v[1] > b.v[0]) {
			out[ref], parts[ref] = b.v[1], metricsource.PartArrivals
		} else {
			out[ref] = b.v[0]
		}
	}
	return out, parts
}
