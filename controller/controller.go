package controller

import (
	"context"
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

// refreshZeroed sets, as a term starts and before the pre-warmer runs, the
// counts functions were last idled from, which a pre-warm starts. The
// counts this replica holds are its start's history or its own earlier
// terms', and another replica may have led since: a standby that followed
// for two hours pre-warmed a timer to the 8 of its start's history where
// the other leader had idled it from 1 every ten minutes. With Prometheus
// history they are read again since they were last current
// (keepalive.RefreshZeroed; or, while the start's rebuild runs, left to
// it); without it, a later term drops them (a pre-warm then starts one
// replica until the idler idles the function again), and a first term
// keeps its start's, all it has. It returns the time the counts are
// current at when it read them (zero when it did not): the term's idler
// keeps them current from then to the term's end (Act); and whether it
// left them to the start's rebuild.
func (c *Controller) refreshZeroed(ctx context.Context, cfg config.Config, later bool) (current time.Time, leftToRebuild bool) {
	c.mu.Lock()
	rebuilding := c.rebuilding
	c.mu.Unlock()
	if c.deps.History == nil || cfg.KeepAlive.RebuildLookback <= 0 || rebuilding {
		// While the start's rebuild runs (a replica that leads at once),
		// it reads them as it ends, history newer than this term's start:
		// read here too, the replica history (Prometheus' costliest read
		// at 100,000 functions, minutes for a day) was read twice at once,
		// and this copy ran out of its 10 s every time while it slowed the
		// rebuild's parts. The rebuild's copy never replaces what this
		// term's idler records.
		if later {
			c.KeepAlive.ForgetZeroed()
		}
		return time.Time{}, rebuilding
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RefreshZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	c.logRefresh(now, r, err, "")
	return now, false
}

// logRefresh says what a read of the replica history for the counts
// functions were idled from did: at WARN when it dropped counts or read
// none (pre-warms of those functions start one replica), at INFO when it
// did not reach over the whole lookback. after names the read (empty: a
// term's own, at its start).
func (c *Controller) logRefresh(now time.Time, r keepalive.ZeroedRefresh, err error, after string) {
	attrs := []any{"complete_back", since(now, r.From), "current_to", r.Since, "read_again", r.Told}
	if after != "" {
		attrs = append(attrs, "read", after)
	}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	switch {
	case r.Dropped > 0 || (err != nil && !r.From.Before(now)): // counts dropped, or none read
		c.log.Warn("keep-alive: the counts functions were idled from were not all read again this term; a pre-warm of those not read starts one replica until the idler idles it again",
			append(attrs, "dropped", r.Dropped)...)
	case err != nil:
		// Read back past current_to: nothing dropped, the rest not filled.
		c.log.Info("keep-alive: read the counts functions were idled from again, not over the whole lookback", attrs...)
	default:
		c.log.Debug("keep-alive: read again the counts functions were idled from", attrs...)
	}
}

// refreshAfterRebuild reads the replica history after the start's rebuild
// for a term that began at termStart beside it, keeping what this term's
// idler told meanwhile, then the older history for the counts not held;
// it returns the time the counts are current to (zero when ctx ended
// first: the next term reads from the rebuild's end).
//
// The rebuild read the replica history up to the process's start, the term
// began later: what another replica idled in between is read once the
// history shows it (a fall is seen a whole step after it, on the steps'
// grid: two steps after the term began).
func (c *Controller) refreshAfterRebuild(ctx context.Context, cfg config.Config, termStart time.Time) time.Time {
	if !c.twoStepsIn(ctx, termStart) {
		// The term ended (in the fill, or waiting): the read would fail at
		// once and drop the rebuild's counts.
		return time.Time{}
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RefreshZeroedKeepingLive(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	cancel()
	c.logRefresh(now, r, err, "since the start's rebuild")
	if ctx.Err() != nil {
		return time.Time{}
	}
	// A rebuild that read no replica history left the first fill nothing
	// to fill: now that the counts are current, the older history.
	c.fillZeroed(ctx, cfg)
	return now
}

// recheckZeroed reads the replica history again two steps after a term
// that refreshed it at its start (current) began, once a fall the former
// leader made just before then shows in it (a whole step after it, on the
// steps' grid), keeping what this term's idler told meanwhile. It returns
// the time the counts are current to: when ctx ended before the recheck
// read, zero, so that the next term reads from the term's start, not from
// its end (a fall that showed since was read by no term); when the read
// failed, current, as without the recheck (read again from the start, a
// long term's history may not fit the next refresh's bound, which drops
// every count it cannot read back over).
func (c *Controller) recheckZeroed(ctx context.Context, cfg config.Config, termStart, current time.Time) time.Time {
	if !c.twoStepsIn(ctx, termStart) {
		return time.Time{}
	}
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	r, err := c.KeepAlive.RecheckZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	switch {
	case err != nil && ctx.Err() != nil:
		return time.Time{} // the term ended in the read: as before it
	case err != nil:
		c.log.Info("keep-alive: could not read again the replica history of the term's first steps: a function the former leader idled in its last minute or two pre-warms to its older count",
			"read_again", r.Told, "err", err)
		return current
	}
	c.log.Debug("keep-alive: read again the replica history of the term's first steps", "read_again", r.Told, "current_to", now)
	return now
}

// twoStepsIn waits until two steps of the replica history after
// termStart, when a fall to zero made just before it shows in the history
// (a whole step after it, on the steps' grid); false when ctx ended first.
func (c *Controller) twoStepsIn(ctx context.Context, termStart time.Time) bool {
	if wait := termStart.Add(2 * RebuildStep).Sub(c.deps.Clock.Now()); wait > 0 {
		_ = clock.Sleep(ctx, c.deps.Clock, wait)
	}
	return ctx.Err() == nil
}

// since is how long before now from is (0 when from is zero: nothing).
func since(now, from time.Time) time.Duration {
	if from.IsZero() {
		return 0
	}
	return now.Sub(from).Round(time.Second)
}

// rebuilds says whether Learn starts with a rebuild from history under
// cfg: a keep-alive feeder (the idler) and Prometheus history to read.
func (c *Controller) rebuilds(cfg config.Config) bool {
	return c.Feeder != nil && c.deps.History != nil && cfg.KeepAlive.RebuildLookback > 0
}

// historyPending says whether Learn's rebuild from history is still to
// end: the idler leaves "auto" functions alone until it has.
func (c *Controller) historyPending() bool {
	select {
	case <-c.rebuilt:
		return false
	default:
		return true
	}
}

// setRebuilding says whether Learn's rebuild from history runs; its end
// closes rebuilt.
func (c *Controller) setRebuilding(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rebuilding && !on {
		close(c.rebuilt)
	}
	c.rebuilding = on
}

// fillZeroed reads, beside the term's idler and pre-warmer and within
// keep_alive.rebuild_timeout, the replica history from before the span the
// counts are complete over (keepalive.FillZeroed): the counts a pre-warm
// starts of functions last idled before it.
func (c *Controller) fillZeroed(ctx context.Context, cfg config.Config) {
	rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
	defer cancel()
	now := c.deps.Clock.Now()
	n, from, err := c.KeepAlive.FillZeroed(rctx, c.deps.History, now, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
	attrs := []any{"told", n, "complete_back", since(now, from)}
	if err != nil && ctx.Err() == nil {
		attrs = append(attrs, "err", err)
	}
	c.log.Debug("keep-alive: read the older replica history for counts not held", attrs...)
}

// Learn runs on every replica, leader or not, so a follower that takes over
// is already taught: the keep-alive's rebuild from Prometheus history, then
// its feeder. It returns when ctx ends.
func (c *Controller) Learn(ctx context.Context) error {
	if c.Feeder == nil {
		<-ctx.Done()
		return nil
	}
	cfg := c.Config()
	var fill sync.WaitGroup
	defer fill.Wait()
	if c.rebuilds(cfg) {
		// keep_alive.rebuild_timeout: the parts read by then stay learned.
		rctx, cancel := context.WithTimeout(ctx, cfg.KeepAlive.RebuildTimeout)
		upTo := c.deps.Clock.Now()
		// Within the bound: the most recent span that fits is read, not the
		// oldest part of the lookback (keepalive.RebuildWithin).
		rep, err := c.KeepAlive.RebuildWithin(rctx, c.deps.History, upTo, cfg.KeepAlive.RebuildLookback, RebuildStep, c.wiring.DefaultNamespace, c.deps.Clock.Now)
		cancel()
		if err != nil {
			// Parts read before the error stay learned; no idle time is
			// learned across the rest (Rebuild marks it unknown).
			c.log.Warn("keep-alive: no rebuild from history, or only of its first parts; learning from now on", "err", err,
				"after", c.deps.Clock.Now().Sub(upTo).Round(time.Millisecond), "rebuild_timeout", cfg.KeepAlive.RebuildTimeout)
		} else {
			// The feeder's first read counts from where the history ends,
			// so a call made while it was read is in one or the other.
			c.Feeder.ReadsFrom(upTo, RebuildStep)
			c.log.Info("keep-alive: relearned idle times from Prometheus history", "functions", rep.Functions,
				"invocations", rep.Invocations, "zeroed", rep.Zeroed, "lookback", cfg.KeepAlive.RebuildLookback,
				"took", c.deps.Clock.Now().Sub(upTo).Round(time.Millisecond))
			switch {
			case !rep.ZeroedFrom.IsZero():
				attrs := []any{"zeroed_from", rep.ZeroedFrom}
				if rep.ZeroedErr != nil {
					attrs = append(attrs, "err", rep.ZeroedErr)
				}
				c.log.Warn("keep-alive: replica history read only since zeroed_from; a pre-warm of a function last idled before starts one replica until a term's refresh reads it or it is idled again", attrs...)
			case rep.ZeroedErr != nil:
				c.log.Warn("keep-alive: no replica history; pre-warms start one replica until each function is idled again", "err", rep.ZeroedErr)
			}
			if rep.StartTimesErr != nil {
				c.log.Warn("keep-alive: gateways' start times not read for some of the history; a gateway restarted in place there may have taught too few calls",
					"err", rep.StartTimesErr)
			}
			// Where Prometheus' history begins inside the span read there
			// is nothing older to read (and no fill): the history's start
			// is said below, and "only the most recent" would send the
			// operator after history that does not exist.
			olderExists := rep.HistoryFrom.IsZero() || rep.HistoryFrom.Before(rep.From)
			if !rep.From.IsZero() && olderExists {
				// A Warn when nothing reads the rest; with the fill it is
				// the first of two steps, and the fill says how it ended.
				fills, level := c.KeepAlive.Fills(), slog.LevelWarn
				if fills {
					level = slog.LevelInfo
				}
				c.log.Log(ctx, level, "keep-alive: relearned only the most recent history: the whole lookback would not be read within keep_alive.rebuild_timeout",
					"read", upTo.Sub(rep.From).Round(time.Minute), "lookback", cfg.KeepAlive.RebuildLookback, "rebuild_timeout", cfg.KeepAlive.RebuildTimeout,
					"fill_older", fills)
				if fills {
					// Beside the feeder: the older history, span by span
					// (fill.go).
					fill.Go(func() { c.fillHistory(ctx, cfg, upTo, rep.From) })
				}
			}
			if !rep.HistoryFrom.IsZero() {
				c.log.Info("keep-alive: Prometheus' history of the gateway begins inside the lookback; nothing before it was learned",
					"history_from", rep.HistoryFrom)
			}
		}
	}
	c.setRebuilding(false)
	fill.Go(func() { c.tellListingWhileFollowing(ctx) })
	return c.Feeder.Run(ctx)
}

// Act runs the parts that change replicas (on the leader only, when there
// is leader election): the actuator's workers, the reconcile loop, the
// idler and the pre-warmer, until ctx ends. Each part is named to /healthz,
// which fails once ctx has ended and a part has not returned for
// liveness.max_inactivity (liveness.go).
func (c *Controller) Act(ctx context.Context) {
	termStart := c.deps.Clock.Now()
	term := c.live.startTerm(termStart)
	defer term.returned()
	ended := make(chan time.Time, 1) // when ctx ended: the term's end
	defer context.AfterFunc(ctx, func() { at := c.deps.Clock.Now(); term.endedAt(at); ended <- at })()
	cfg := c.Config()
	c.mu.Lock()
	later := c.terms > 0
	c.terms++
	c.mu.Unlock()
	// The pool first, so no proposal is ever applied inline in a loop.
	stopped := c.Actuator.Start(ctx)
	workers := term.part("actuator workers")
	go func() { <-stopped; workers() }() // ends by the time Act returns
	defer func() { <-stopped }()
	var wg sync.WaitGroup
	run := func(name string, f func(context.Context) error) {
		done := term.part(name)
		wg.Go(func() { defer done(); _ = f(ctx) })
	}
	switch {
	case cfg.Scaler.Enabled:
		run("scaler loop", c.Loop.Run)
	case c.Idler == nil:
		// Not "only scale to zero runs": that is off too.
		c.log.Warn("scaler.enabled and idler.enabled are both false: this controller changes no replicas and explains no function")
	default:
		c.log.Info("horizontal scaling is off (scaler.enabled: false): only scale to zero runs")
	}
	if c.Idler != nil {
		c.Idler.NewTerm() // before the refresh: its explain API is this term's from now
	}
	var current time.Time
	var afterRebuild bool
	if c.KeepAlive != nil {
		done := term.part("keep-alive refresh")
		current, afterRebuild = c.refreshZeroed(ctx, cfg, later)
		done()
	}
	if c.Idler != nil {
		mark(&c.live.idlerStarted, c.deps.Clock.Now())
		run("idler", c.Idler.Run)
		run("pre-warmer", c.PreWarm.Run)
	}
	if !current.IsZero() || afterRebuild {
		// After the refresh, or, for a term that starts beside the start's
		// rebuild (the leader at start: often the process's only term),
		// once the rebuild has read the replica history of the span it
		// reads (at 100,000 functions minutes).
		run("keep-alive fill", func(ctx context.Context) error {
			select {
			case <-c.rebuilt:
				c.fillZeroed(ctx, cfg)
				if afterRebuild {
					current = c.refreshAfterRebuild(ctx, cfg, termStart)
				} else {
					current = c.recheckZeroed(ctx, cfg, termStart, current)
				}
			case <-ctx.Done():
			}
			return nil
		})
	}
	wg.Wait()
	if !current.IsZero() {
		// The idler kept the counts current while this replica led, to
		// the term's end (not to now: another replica may lead already):
		// the next term reads the history after it only.
		<-ctx.Done()
		c.KeepAlive.ZeroedCurrent(current, <-ended)
	}
}
