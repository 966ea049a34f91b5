package gatewaysim

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/prometheus/client_golang/prometheus"
)

// Workload says how one function's requests behave.
type Workload struct {
	Load Pattern
	// Duration is each request's service time once a replica takes it.
	Duration time.Duration
	// Concurrency is how many requests one replica serves at once (its
	// max_inflight); requests beyond available × Concurrency get a 429.
	// 0 means unlimited.
	Concurrency int
	// Offset starts the function as if its load had run that long already:
	// the pattern is that far in, and the fraction of a call it had
	// accrued is carried. A fleet given one pattern and offsets spread over
	// its period has its calls spread over it, instead of every function
	// called in the same step (a constant 1/20 rps would call all of them
	// at once every 20 s).
	Offset time.Duration
}

// Config configures a Gateway.
type Config struct {
	Provider provider.Provider
	Clock    clock.Clock
	// Step is the simulation tick (default 100ms).
	Step time.Duration
	// ScaleFromZero puts the gateway's scaling handler in front of its
	// proxy, as scale_from_zero=true does: a request to a function with no
	// ready replica waits for one, and one at zero replicas first asks the
	// provider for max(min, 1) (if that ask fails for 2 s of retries, the
	// request is answered 500, uncounted); a com.openfaas.scale.factor
	// outside 1..100 fails every request's lookup (404, uncounted). Without
	// it such a request is forwarded at once and the proxy answers 503.
	ScaleFromZero bool
	// ColdStartTimeout is how long each request waits for a ready replica
	// under ScaleFromZero (default 100s, the gateway's
	// MaxPollCount×FunctionPollInterval). The gateway then forwards it
	// anyway, to no endpoint: it is started and ends with 502.
	ColdStartTimeout time.Duration
	// Inflight exports gateway_function_invocation_inflight (an OpenFaaS Pro
	// metric; CE gateways do not export it).
	Inflight bool
	// NoLatency leaves gateway_functions_seconds out (a histogram of 14
	// series a function and code). The controller reads only its _sum
	// and _count, for the capacity type's arrivals part (rps × mean
	// duration; without them capacity reads the in-flight gauge alone),
	// as do the generated rules' mean duration and the dashboards' latency
	// panels. At 100,000 called functions it is 1.4 million of the
	// page's 1.8 million series, which took over 20 s to render on a quiet
	// machine: no scrape got them (the footprint benchmark's called fleet).
	NoLatency bool
	Logger    *slog.Logger
}

// Gateway simulates an OpenFaaS gateway in front of a provider.
type Gateway struct {
	cfg     Config
	metrics *gatewayMetrics
	reg     *prometheus.Registry

	mu     sync.Mutex
	start  time.Time
	last   time.Time
	polled time.Time // the last gateway_service_count poll
	fns    map[provider.Ref]*fnState
	// counted holds each listed function's gateway_service_count series
	// and the poll that last listed it (polls counts them).
	counted map[provider.Ref]*countedFn
	polls   uint64
	tally   tally // one function's counts in a step, reused
}

// countedFn is one function's gateway_service_count series.
type countedFn struct {
	name  string
	gauge prometheus.Gauge
	poll  uint64
}

// serviceCountPoll is how often the gateway lists the provider's functions
// for gateway_service_count (its service watcher's 5s).
const serviceCountPoll = 5 * time.Second

// arrival is the requests that arrived in one step, waiting for a replica.
type arrival struct {
	at    time.Time
	count int
}

// batch is requests admitted at one instant: they run until doneAt.
type batch struct {
	doneAt  time.Time
	count   int
	latency time.Duration
}

type fnState struct {
	w     Workload
	since time.Time // when the current pattern started
	carry float64   // fractional arrivals carried to the next step
	// waiting holds the requests waiting for a replica, oldest first. Each
	// keeps its own arrival: the gateway polls for every request on its own,
	// so each times out ColdStartTimeout after it arrived, not after the
	// oldest waiting one.
	waiting []arrival
	// wakeFailedAt is when a scale from zero first failed since the last
	// that succeeded (zero: none failing). The waiting requests that
	// arrived at or after it retry the ask, and fail if it keeps failing.
	wakeFailedAt time.Time
	// running[ended:] holds the admitted requests not yet ended, by doneAt
	// (earliest first); running[:ended] are ended ones not yet dropped.
	running []batch
	ended   int
	// inflight is how many requests a replica runs: running's, and
	// Invoke's (the queue worker's) under way.
	inflight int
}

// waitingCount is how many requests wait for a replica.
func (st *fnState) waitingCount() int {
	n := 0
	for _, a := range st.waiting {
		n += a.count
	}
	return n
}

// New returns a gateway; call Step (or Run) to advance it.
func New(cfg Config) (*Gateway, error) {
	if cfg.Provider == nil {
		return nil, errors.New("gatewaysim: Provider is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Step <= 0 {
		cfg.Step = 100 * time.Millisecond
	}
	if cfg.ColdStartTimeout <= 0 {
		cfg.ColdStartTimeout = 100 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	g := &Gateway{cfg: cfg, reg: reg, metrics: newGatewayMetrics(reg, cfg.Inflight, !cfg.NoLatency), fns: map[provider.Ref]*fnState{},
		counted: map[provider.Ref]*countedFn{}}
	return g, nil
}

// Registry is the gateway's own metrics registry (its :8082/metrics).
func (g *Gateway) Registry() *prometheus.Registry { return g.reg }

// SetWorkload sets (or replaces) a function's workload; its pattern restarts now.
func (g *Gateway) SetWorkload(ref provider.Ref, w Workload) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.setWorkload(ref, w)
}

// setWorkload is SetWorkload with g.mu held.
func (g *Gateway) setWorkload(ref provider.Ref, w Workload) {
	st, ok := g.fns[ref]
	if !ok {
		st = &fnState{}
		g.fns[ref] = st
	}
	st.w = w
	st.since = g.cfg.Clock.Now().Add(-w.Offset)
	if w.Offset > 0 {
		_, st.carry = math.Modf(w.Load.Arrivals(w.Offset))
	}
}

// defaultWorkload is a function's workload until one is set: no load of
// its own, 50 ms calls, no max_inflight. SetRPS starts from it, and Invoke
// serves with it a deployed function nobody described (an async-only one).
var defaultWorkload = Workload{Duration: 50 * time.Millisecond}

// SetRPS replaces a function's load by a constant rate, keeping its other settings.
// The workload is read and replaced under one hold of the lock: concurrent
// PUT /sim/load calls and SetWorkload must neither race on it nor lose its
// Duration and Concurrency.
func (g *Gateway) SetRPS(ref provider.Ref, rps float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w := defaultWorkload
	if st, ok := g.fns[ref]; ok {
		w = st.w
	}
	w.Load, w.Offset = Constant(rps), 0 // the new rate starts now
	g.setWorkload(ref, w)
}

// Rate is a function's current offered load in requests per second.
func (g *Gateway) Rate(ref provider.Ref, now time.Time) float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	st, ok := g.fns[ref]
	if !ok {
		return 0
	}
	return st.w.Load.RateAt(now.Sub(st.since))
}

// Run advances the gateway every Step until ctx ends.
func (g *Gateway) Run(ctx context.Context) error {
	t := g.cfg.Clock.NewTicker(g.cfg.Step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C():
			g.Step(ctx, now)
		}
	}
}

// Step advances the simulation to now: new arrivals, completions, replica
// counts. It reads each function with a workload from the provider once, and
// every serviceCountPoll lists all functions for gateway_service_count.
func (g *Gateway) Step(ctx context.Context, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last.IsZero() {
		g.last = now
		g.start = now
	}
	dt := now.Sub(g.last)
	g.last = now
	if g.polled.IsZero() || now.Sub(g.polled) >= serviceCountPoll {
		g.pollServiceCount(ctx)
		g.polled = now
	}
	for ref, st := range g.fns {
		fn, err := g.cfg.Provider.Function(ctx, ref)
		if errors.Is(err, provider.ErrNotFound) {
			g.drainGone(ref, st, now)
			continue
		}
		if err != nil {
			g.cfg.Logger.Warn("gateway: read function", "function", ref.String(), "err", err)
			continue
		}
		g.stepFunction(ctx, ref, fn, st, now, dt)
	}
}

// drainGone ends a removed function's requests as a real gateway's do: those
// running finish as their pods drain; those waiting for a replica (only
// under ScaleFromZero) fail their next lookup of the function, polling or
// retrying a failed wake, and the scaling handler answers them 500 before
// the proxy: dropped uncounted, like a wake that keeps failing
// (expireWaiting). No new ones arrive. Skipped instead, a removed
// function's started calls never ended and its in-flight gauge stayed up
// for good (a review's finding); counting the waiting ones started and 502
// reported activity a real gateway never reports (a later review's).
// Its workload stays, for a function deployed again under the name.
func (g *Gateway) drainGone(ref provider.Ref, st *fnState, now time.Time) {
	name := ref.String()
	t := &g.tally
	g.completeUntil(st, now, t)
	st.waiting = st.waiting[:0]
	st.wakeFailedAt = time.Time{}
	st.carry = 0
	g.flush(name, t)
	g.metrics.inflight(name, st.inflight)
}

// pollServiceCount sets gateway_service_count to the desired replicas of
// every function the provider lists, as the gateway's service watcher does:
// all namespaces, whether or not the function gets traffic, and reset each
// time so a removed function's series goes. A failed listing keeps the last
// poll's values rather than reporting a partial fleet.
func (g *Gateway) pollServiceCount(ctx context.Context) {
	nss, err := g.cfg.Provider.Namespaces(ctx)
	if err != nil {
		g.cfg.Logger.Warn("gateway: list namespaces", "err", err)
		return
	}
	var fns []provider.Function
	for _, ns := range nss {
		got, err := g.cfg.Provider.Functions(ctx, ns)
		if err != nil {
			g.cfg.Logger.Warn("gateway: list functions", "namespace", ns, "err", err)
			return
		}
		fns = append(fns, got...)
	}
	// Each listed function's series is set in place and those not listed
	// any more are deleted: what a Reset and a new series per function
	// gave, without a name and a series made again for every function
	// every 5 s (100,000 of each at the footprint benchmark's fleet).
	g.polls++
	for i := range fns {
		fn := &fns[i]
		c := g.counted[fn.Ref]
		if c == nil {
			name := fn.Ref.String()
			c = &countedFn{name: name, gauge: g.metrics.serviceCount.WithLabelValues(name)}
			g.counted[fn.Ref] = c
		}
		c.gauge.Set(float64(fn.Replicas))
		c.poll = g.polls
	}
	for ref, c := range g.counted {
		if c.poll != g.polls {
			g.metrics.serviceCount.DeleteLabelValues(c.name)
			delete(g.counted, ref)
		}
	}
}
