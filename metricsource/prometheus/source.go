package prometheus

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Source answers metricsource questions from a Prometheus server.
type Source struct {
	cfg     Config
	api     v1.API
	client  api.Client   // the query URL (vector.go)
	http    *http.Client // instant vectors' queries, decoded as read (vector.go)
	hints   sizeHints    // series per query's last answer (vector.go)
	log     *slog.Logger
	phase   phaseCache       // when they were last scraped (lastscrape.go)
	now     func() time.Time // the phase cache's clock (lastscrape.go), partial's and a read in chunks' (chunks.go); time.Now
	partial partialLog       // rate-limits the warning about partial answers (partial.go)
	dups    duplicateCheck   // when the duplicated-scrape check last ran (duplicates.go)
	seed    maphash.Seed     // StartedTotals' series keys (totals.go)
	epochs  startEpochs      // the start times StartedTotals' series are named with (epochs.go)
	// postRefused: a query was sent as GET (vector.go), so none is
	// narrowed to a few functions' names (subset.go).
	postRefused atomic.Bool
	chunked     windowSet // windows read in chunks of functions (chunks.go)
	chunk       int       // functions a chunk: maxNarrowed (a test's fewer)
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
	return &Source{cfg: cfg, api: v1.NewAPI(c), client: c, http: hc, log: log.With("source", "prometheus"), now: time.Now, seed: maphash.MakeSeed(), chunk: maxNarrowed}, nil
}

// Load returns every function's load of q.Type over q.Window (one query).
func (s *Source) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	v, _, err := s.load(ctx, q, false, allFunctions)
	if err != nil {
		return nil, err // a partial answer's lower bounds only through LoadParts
	}
	return v, nil
}

// LoadParts is Load with, for capacity, which part each reading came from
// (metricsource.PartedLoad): the same query without its last max, so one
// series per function and part, and the max taken here. refs (nil: every
// function) narrow the query to their series when they are few, as
// ActivityFor does (subset.go): the scaler's follow-ups ask every second
// during a burst about the functions scaling up, and each asked for the
// whole fleet's load. The answer may hold other functions too; callers
// ignore them. An answer that may be partial gives the readings that are
// lower bounds with a *metricsource.PartialError (partial.go).
func (s *Source) LoadParts(ctx context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	return s.load(ctx, q, true, s.narrowing(refs))
}

func (s *Source) load(ctx context.Context, q metricsource.LoadQuery, parted bool, f fnFilter) (metricsource.Values, metricsource.Parts, error) {
	v, parts, err := s.loadOf(ctx, q, parted, f)
	if !f.all() && errors.Is(err, errNarrowedRefused) {
		return s.loadOf(ctx, q, parted, allFunctions) // behind a proxy that takes GET only (vector.go)
	}
	return v, parts, err
}

func (s *Source) loadOf(ctx context.Context, q metricsource.LoadQuery, parted bool, f fnFilter) (metricsource.Values, metricsource.Parts, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	// Beside the load query, not before it: advice must not delay the
	// load, nor fail it (checkDuplicates only logs); waited for, so no
	// query outlives the call.
	var dups sync.WaitGroup
	dups.Go(func() { s.checkDuplicates(ctx) })
	defer dups.Wait()
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
		expr, err = loadQuery(q, s.cfg.MaxScrapeGap, interval, s.cfg.DefaultNamespace)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", q.Type, err)
	}
	hint := s.hints.get(expr)
	if !f.all() {
		hint = f.n
	}
	// Named as expr with the count of functions for their names (vector.go).
	shown := narrowExpr(expr, f.shown())
	r := s.newValueReader(shown, parted, hint)
	err = s.queryNamedAt(ctx, narrowExpr(expr, f), shown, time.Time{}, r.add)
	if _, partial := metricsource.PartialWhy(err); partial {
		v, parts := r.lowerBounds(q.Type)
		return v, parts, fmt.Errorf("load %s: %w", q.Type, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", q.Type, err)
	}
	v, parts := r.result()
	return v, parts, nil
}

// BoundsItsCalls says that every call is bounded here (metricsource.Bounded):
// each read by Config.Timeout (StartedTimeout for the keep-alive's), the
// last scrape's by Timeout, and a window read in chunks stops at its first
// failed chunk, so a Prometheus that hangs costs one timeout a call.
func (s *Source) BoundsItsCalls() bool { return true }

// Activity returns started invocations over window, in-flight invocations
// now, queued asynchronous work now, functions whose series vanished,
// functions woken from zero within the window, and whether the gateway was
// observed for the whole window, with every gateway instance answering
// now: eight queries, run concurrently.
func (s *Source) Activity(ctx context.Context, window time.Duration) (metricsource.Activity, error) {
	return s.activity(ctx, window, allFunctions, withGateway)
}

// gatewayReads says what an activity read asks beside the per-function
// queries that is not per function: the queues (read whole), and the
// gateway's coverage with the gateway instances down (readGatewayCover).
// A window read in chunks asks the queues with its first chunk alone, and
// the coverage itself (activityInChunks).
type gatewayReads uint8

const (
	readQueues gatewayReads = 1 << iota
	readCover

	withGateway    = readQueues | readCover
	withoutGateway = gatewayReads(0)
)

// activity is Activity with the per-function queries over the functions f
// selects (subset.go); the gateway's coverage and the queues are read
// whole either way, or not at all without them in g (Covered is then true
// and Queued nil: the caller has them from another read).
func (s *Source) activity(ctx context.Context, window time.Duration, f fnFilter, g gatewayReads) (metricsource.Activity, error) {
	act, err := s.activityOf(ctx, window, f, g)
	if !f.all() && errors.Is(err, errNarrowedRefused) {
		return s.activityOf(ctx, window, allFunctions, g) // behind a proxy that takes GET only (vector.go)
	}
	return act, err
}

func (s *Source) activityOf(ctx context.Context, window time.Duration, f fnFilter, g gatewayReads) (metricsource.Activity, error) {
	if _, err := promDuration("activity window", window); err != nil {
		return metricsource.Activity{}, err
	}
	queued := queueLevel()
	scrape := s.scrapeInterval(ctx)
	if scrape <= 0 {
		scrape = s.cfg.MaxScrapeGap
	}
	// Sent as q, named as shown: the same texts but for the functions'
	// names, left out of shown (vector.go).
	whole, step, err := perFunctionQueries(window, scrape, s.cfg.CoverageSelector, s.cfg.DefaultNamespace)
	if err != nil {
		return metricsource.Activity{}, err
	}
	q, shown := whole.narrowed(f), whole.narrowed(f.shown())
	// Series of each answer, so its map is made for them (readers.go): a
	// narrowed query's are its functions'.
	hint := func(expr string, perFunction int) int {
		if f.all() {
			return s.hints.get(expr) / perFunction
		}
		return f.n
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	texts := []string{q.started, q.inflight, q.vanished, q.woken, q.counters, queued}
	exprs := []string{shown.started, shown.inflight, shown.vanished, shown.woken, shown.counters, queued}
	// Each query's series are read as they arrive, each by its own reader
	// (readers.go), none kept as a list (the coverage's three are, in
	// readGatewayCover).
	var (
		startedR  = s.newValueReader(shown.started, false, hint(shown.started, 1))
		inflightR = s.newValueReader(shown.inflight, false, hint(shown.inflight, 1))
		vanishedR = s.newValueReader(shown.vanished, false, s.hints.get(shown.vanished))
		queuedR   = s.newValueReader(queued, false, s.hints.get(queued))
		wokenR    = &wokenReader{s: s, step: step}
		// Two series a function, one of each counter.
		countersR = counterReader{started: s.newValueReader(shown.counters, false, hint(shown.counters, 2)),
			ended: s.newValueReader(shown.counters, false, hint(shown.counters, 2))}
	)
	readers := []func(*sample){startedR.add, inflightR.add, vanishedR.add, wokenR.add, countersR.add, queuedR.add}
	if g&readQueues == 0 {
		// The last, queued, is the gateway's.
		texts, exprs, readers = texts[:len(texts)-1], exprs[:len(exprs)-1], readers[:len(readers)-1]
	}
	errs := make([]error, len(texts)+1)
	var wg sync.WaitGroup
	for i, e := range exprs {
		wg.Go(func() { errs[i] = s.queryNamedAt(ctx, texts[i], e, time.Time{}, readers[i]) })
	}
	var cover gatewayCover // none read: whole
	if g&readCover != 0 {
		wg.Go(func() { cover, errs[len(exprs)] = s.readGatewayCover(ctx, window, 0) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return metricsource.Activity{}, fmt.Errorf("activity over %s: %w", window, err)
	}
	act := metricsource.Activity{
		Window:  window,
		Started: startedR.out,
	}
	act.Uncovered = cover.uncovered()
	act.Covered = act.Uncovered == ""
	// No in-flight series at all: the gateway does not export the gauge (it
	// keeps a series per invoked function once created), so "unknown", not
	// "nothing in flight".
	if inflightR.series > 0 {
		act.Inflight = inflightR.out
	}
	act.Inflight = countersR.inflight(act.Inflight)
	for ref := range vanishedR.out {
		if act.Vanished == nil {
			act.Vanished = map[provider.Ref]bool{}
		}
		act.Vanished[ref] = true
	}
	// No queue series at all: no queue worker exports them, so nothing is
	// known about queues (nil), rather than "nothing queued".
	if queuedR.series > 0 {
		act.Queued = queuedR.out
	}
	act.Woken = wokenR.out
	return act, nil
}

// queryAs runs one instant query at the server's now and wants a T (what
// names it in the error): a vector, or a matrix for a range selector.
func queryAs[T model.Value](ctx context.Context, s *Source, expr, what string) (T, error) {
	var zero T
	v, warnings, _, err := s.api.Query(ctx, expr, time.Time{})
	if err != nil {
		return zero, classify(err, expr)
	}
	// The library's answer has no isPartial (VictoriaMetrics'): warnings
	// only.
	if err := s.checkComplete(expr, warnings, false); err != nil {
		return zero, err
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
