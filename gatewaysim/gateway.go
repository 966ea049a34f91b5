package gatewaysim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
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
}

// Config configures a Gateway.
type Config struct {
	Provider provider.Provider
	Clock    clock.Clock
	// Step is the simulation tick (default 100ms).
	Step time.Duration
	// ScaleFromZero makes a request to a function at zero replicas ask the
	// provider for max(min, 1) replicas and wait, as the gateway does with
	// scale_from_zero=true.
	ScaleFromZero bool
	// ColdStartTimeout fails requests that waited this long (default 100s, the
	// gateway's MaxPollCount×FunctionPollInterval).
	ColdStartTimeout time.Duration
	// Inflight exports gateway_function_invocation_inflight (an OpenFaaS Pro
	// metric; CE gateways do not export it).
	Inflight bool
	Logger   *slog.Logger
}

// Gateway simulates an OpenFaaS gateway in front of a provider.
type Gateway struct {
	cfg     Config
	metrics *gatewayMetrics
	reg     *prometheus.Registry

	mu    sync.Mutex
	start time.Time
	last  time.Time
	fns   map[provider.Ref]*fnState
}

type batch struct {
	doneAt  time.Time
	count   int
	latency time.Duration
}

type fnState struct {
	w        Workload
	since    time.Time // when the current pattern started
	carry    float64   // fractional arrivals carried to the next step
	pending  int       // requests waiting for a replica (scale from zero)
	waitFrom time.Time // arrival of the oldest pending request
	running  []batch
	inflight int
	asked    bool // a scale-from-zero call is outstanding
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
	g := &Gateway{cfg: cfg, reg: reg, metrics: newGatewayMetrics(reg, cfg.Inflight), fns: map[provider.Ref]*fnState{}}
	return g, nil
}

// Registry is the gateway's own metrics registry (its :8082/metrics).
func (g *Gateway) Registry() *prometheus.Registry { return g.reg }

// SetWorkload sets (or replaces) a function's workload; its pattern restarts now.
func (g *Gateway) SetWorkload(ref provider.Ref, w Workload) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st, ok := g.fns[ref]
	if !ok {
		st = &fnState{}
		g.fns[ref] = st
	}
	st.w = w
	st.since = g.cfg.Clock.Now()
}

// SetRPS replaces a function's load by a constant rate, keeping its other settings.
func (g *Gateway) SetRPS(ref provider.Ref, rps float64) {
	g.mu.Lock()
	st, ok := g.fns[ref]
	g.mu.Unlock()
	w := Workload{Duration: 50 * time.Millisecond}
	if ok {
		w = st.w
	}
	w.Load = Constant(rps)
	g.SetWorkload(ref, w)
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
// counts. It reads each function from the provider once.
func (g *Gateway) Step(ctx context.Context, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last.IsZero() {
		g.last = now
		g.start = now
	}
	dt := now.Sub(g.last).Seconds()
	g.last = now
	for ref, st := range g.fns {
		fn, err := g.cfg.Provider.Function(ctx, ref)
		if err != nil {
			if !errors.Is(err, provider.ErrNotFound) {
				g.cfg.Logger.Warn("gateway: read function", "function", ref.String(), "err", err)
			}
			continue
		}
		g.stepFunction(ctx, ref, fn, st, now, dt)
	}
}

func (g *Gateway) stepFunction(ctx context.Context, ref provider.Ref, fn provider.Function, st *fnState, now time.Time, dt float64) {
	name := ref.String()
	g.metrics.serviceCount.WithLabelValues(name).Set(float64(fn.Replicas))

	// Completions first, so capacity frees up for this step's arrivals.
	kept := st.running[:0]
	for _, b := range st.running {
		if !b.doneAt.After(now) {
			g.metrics.complete(name, "200", b.count, b.latency)
			st.inflight -= b.count
			continue
		}
		kept = append(kept, b)
	}
	st.running = kept

	st.carry += st.w.Load.RateAt(now.Sub(st.since)) * dt
	arrivals := int(math.Floor(st.carry))
	st.carry -= float64(arrivals)
	if arrivals > 0 && st.pending == 0 {
		st.waitFrom = now
	}
	st.pending += arrivals

	if st.pending > 0 && fn.AvailableReplicas == 0 {
		if now.Sub(st.waitFrom) >= g.cfg.ColdStartTimeout {
			g.metrics.complete(name, "504", st.pending, now.Sub(st.waitFrom))
			st.pending = 0
		} else if fn.Replicas == 0 && g.cfg.ScaleFromZero && !st.asked {
			g.scaleFromZero(ctx, ref, fn, st)
		}
		g.metrics.inflight(name, st.inflight+st.pending)
		return
	}
	st.asked = false
	if st.pending > 0 {
		wait := now.Sub(st.waitFrom)
		admit := st.pending
		if c := st.w.Concurrency; c > 0 {
			free := int(fn.AvailableReplicas)*c - st.inflight
			if free < 0 {
				free = 0
			}
			if admit > free {
				// The watchdog's max_inflight answers 429 at once.
				g.metrics.started(name, admit-free)
				g.metrics.complete(name, "429", admit-free, 0)
				admit = free
			}
		}
		if admit > 0 {
			g.metrics.started(name, admit)
			st.running = append(st.running, batch{doneAt: now.Add(st.w.Duration), count: admit, latency: wait + st.w.Duration})
			st.inflight += admit
		}
		st.pending = 0
	}
	g.metrics.inflight(name, st.inflight)
}

func (g *Gateway) scaleFromZero(ctx context.Context, ref provider.Ref, fn provider.Function, st *fnState) {
	want := uint64(1)
	if v, err := strconv.ParseUint(fn.Labels["com.openfaas.scale.min"], 10, 64); err == nil && v > 0 {
		want = v
	}
	if err := g.cfg.Provider.Scale(ctx, ref, want); err != nil {
		g.cfg.Logger.Warn("gateway: scale from zero", "function", ref.String(), "err", err)
		return
	}
	st.asked = true
	g.cfg.Logger.Info(fmt.Sprintf("gateway: scale from zero %s → %d", ref, want))
}
