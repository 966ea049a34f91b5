package controller

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// RebuildStep is the resolution of the keep-alive's rebuild from Prometheus
// history at start: a range query over the whole lookback, so it stays
// coarse; live learning is finer (keep_alive.learn_step).
const RebuildStep = time.Minute

// Wiring is what the flags decide about the components (as opposed to the
// tuning in config.Config).
type Wiring struct {
	// DryRun: decide, log and export, never change replicas (the actuator
	// enforces it for every component).
	DryRun bool
	// Namespaces managed; empty = every namespace the provider lists.
	Namespaces []string
	// DefaultNamespace of a function_name without a dot (rebuild queries).
	DefaultNamespace string
}

// Deps are the external systems and process-wide services.
type Deps struct {
	Provider provider.Provider   // required
	Source   metricsource.Source // required
	Clock    clock.Clock         // default clock.Real()
	// Registerer receives every component's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Leading reports whether this replica may write (leader election); nil
	// = always.
	Leading func() bool
	// History, when set, is Prometheus's range API: the keep-alive relearns
	// idle times from it at start.
	History keepalive.RangeQuerier
	// Sections are the wiring's own explain sections, served after the
	// controller's (the Kubernetes provider's: what stops a function's
	// pods). Provider is instrumented, so the controller cannot find them
	// on it.
	Sections []explain.Section
}

// Controller is the assembled controller.
type Controller struct {
	Actuator  *actuator.Actuator
	Loop      *scaler.Loop
	Idler     *idler.Idler         // nil when idler.enabled is false
	KeepAlive *keepalive.Policy    // nil with the idler
	PreWarm   *keepalive.PreWarmer // nil with the idler
	Feeder    *keepalive.Feeder    // nil with the idler

	deps   Deps
	wiring Wiring
	log    *slog.Logger
	live   *liveness  // what /healthz reads (liveness.go)
	mu     sync.Mutex // guards cfg, terms and rebuilding
	cfg    config.Config
	terms  int // Act calls so far: leadership terms
	// rebuilding: Learn's rebuild from history has not ended (it is due
	// from New, so a term that starts before Learn's goroutine does sees
	// it too); it reads the counts functions were idled from as it ends
	// (refreshZeroed).
	rebuilding bool
	rebuilt    chan struct{} // closed as Learn's rebuild ends (setRebuilding), or from New without one
}

// New validates cfg and builds every component over deps.
func New(cfg config.Config, w Wiring, deps Deps) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Provider == nil || deps.Source == nil {
		return nil, errors.New("controller: a provider and a metrics source are required")
	}
	if deps.Clock == nil {
		deps.Clock = clock.Real()
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Controller{deps: deps, wiring: w, log: deps.Logger, cfg: cfg, live: &liveness{}, rebuilt: make(chan struct{})}
	ac := actuator.Config{Provider: deps.Provider, Clock: deps.Clock, Workers: cfg.Actuator.Workers,
		CallTimeout: cfg.Actuator.CallTimeout, BackoffInitial: cfg.Actuator.BackoffInitial,
		BackoffMax: cfg.Actuator.BackoffMax, RefusedBackoff: cfg.Actuator.RefusedBackoff, DryRun: w.DryRun,
		Namespaces: w.Namespaces, Leading: deps.Leading, HistorySize: 10, Registerer: deps.Registerer,
		Logger: deps.Logger.With("component", "actuator")}
	act, err := actuator.New(ac)
	if err != nil {
		return nil, err
	}
	c.Actuator = act
	defaults := cfg.Defaults.Scaler()
	// scaler.history_size: 0 is "none" (an explicit zero stays zero), but a
	// LoopConfig's 0 is unset and takes the default: say none.
	history := cfg.Scaler.HistorySize
	if history == 0 {
		history = scaler.NoHistory
	}
	loop, err := scaler.NewLoop(scaler.LoopConfig{
		Provider: deps.Provider, Source: deps.Source, Actuator: act, Clock: deps.Clock,
		Interval: cfg.Scaler.Interval, StableWindow: cfg.Scaler.StableWindow, BurstWindow: cfg.Scaler.BurstWindow,
		Defaults: defaults, Namespaces: w.Namespaces, MinFloor: idler.MinFloorAhead(deps.Logger, c.nextIdlerRun), MinFloorLabel: idler.MinScheduleLabel, Leading: deps.Leading,
		HistorySize: history, AlignLag: cfg.Scaler.AlignLag, Registerer: deps.Registerer, Logger: deps.Logger.With("component", "scaler"),
		OnPass: func() { mark(&c.live.scalerDone, deps.Clock.Now()) },
	})
	if err != nil {
		return nil, fmt.Errorf("scaler: %w", err)
	}
	c.Loop = loop
	if cfg.Idler.Enabled {
		if err := c.buildIdler(cfg, defaults); err != nil {
			return nil, err
		}
	}
	c.rebuilding = c.rebuilds(cfg)
	if !c.rebuilding {
		close(c.rebuilt) // no rebuild to wait for
	}
	if deps.Registerer != nil {
		if err := deps.Registerer.Register(c.live); err != nil {
			return nil, fmt.Errorf("liveness: %w", err)
		}
	}
	return c, nil
}

// nextIdlerRun is the idler's next run after now (zero without an idler):
// the scaler floors a function at a scheduled minimum starting by then, as
// the idler restores a function at zero to it then (idler.MinFloorAhead).
// c.Idler is set in New, before any pass asks.
func (c *Controller) nextIdlerRun(now time.Time) time.Time {
	if c.Idler == nil {
		return time.Time{}
	}
	return c.Idler.NextRun(now)
}

func (c *Controller) buildIdler(cfg config.Config, defaults scaler.Defaults) error {
	d := c.deps
	kc := keepalive.Default()
	kc.ColdStartWorth, kc.PreWarmShare = cfg.KeepAlive.ColdStartWorth, cfg.KeepAlive.PreWarmShare
	policy, err := keepalive.New(kc)
	if err != nil {
		return fmt.Errorf("keep-alive: %w", err)
	}
	c.KeepAlive = policy
	ic := idler.Default()
	// The idler's actuator marks each answer as progress (liveness.go).
	ic.Provider, ic.Source, ic.Actuator, ic.Clock = d.Provider, d.Source, answering{c.Actuator, c.live, d.Clock.Now}, d.Clock
	ic.OnCycle = func() { mark(&c.live.idlerDone, d.Clock.Now()) }
	ic.Schedule, ic.Defaults, ic.MaintainMin = cfg.Idler.Schedule, defaults, cfg.Idler.MaintainMin
	ic.Namespaces, ic.RefusedBackoff, ic.KeepAlive = c.wiring.Namespaces, cfg.Idler.RefusedBackoff, policy
	ic.CallTimeout = cfg.Actuator.CallTimeout
	ic.RecentScaleUp = c.Loop.LastScaleUp
	ic.HistoryPending = c.historyPending
	ic.Registerer, ic.Logger = d.Registerer, d.Logger // the idler names itself
	idl, err := idler.New(ic)
	if err != nil {
		return fmt.Errorf("idler: %w", err)
	}
	c.Idler = idl
	pw, err := keepalive.NewPreWarmer(keepalive.PreWarmerConfig{
		Policy: policy, Provider: d.Provider, Actuator: c.Actuator, Defaults: defaults, Namespaces: c.wiring.Namespaces,
		Clock: d.Clock, Interval: cfg.KeepAlive.PreWarmInterval, Fallback: defaults.ZeroDuration,
		HistoryPending: c.historyPending,
		Registerer:     d.Registerer, Logger: d.Logger.With("component", "prewarm"),
	})
	if err != nil {
		return fmt.Errorf("keep-alive: %w", err)
	}
	c.PreWarm = pw
	c.Feeder, err = keepalive.NewFeeder(keepalive.FeederConfig{Policy: policy, Source: d.Source, Clock: d.Clock,
		Step: cfg.KeepAlive.LearnStep, Registerer: d.Registerer, Logger: d.Logger.With("component", "keepalive")})
	if err != nil {
		return fmt.Errorf("keep-alive: %w", err)
	}
	return nil
}

// Config returns the configuration in force.
func (c *Controller) Config() config.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// Sections are the explain API sections beside the scaler's own.
func (c *Controller) Sections() []explain.Section {
	s := []explain.Section{c.Actuator}
	if c.Idler != nil {
		s = append(s, c.Idler, c.PreWarm)
	}
	return append(s, c.deps.Sections...)
}
