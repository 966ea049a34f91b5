package scaler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Provider is what the loop reads from the system that holds replicas;
// provider.Provider satisfies it. The loop never writes: it proposes to the
// actuator.
type Provider interface {
	Namespaces(ctx context.Context) ([]string, error)
	Functions(ctx context.Context, namespace string) ([]provider.Function, error)
	Function(ctx context.Context, ref provider.Ref) (provider.Function, error)
}

// Actuator takes the loop's proposals; *actuator.Actuator satisfies it. done
// is called once with what became of the intent, possibly later, from
// another goroutine.
type Actuator interface {
	Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome))
}

// MinFloorFunc returns a function's scheduled minimum at now (0 = none) and
// why; package idler provides it from its schedules.
type MinFloorFunc func(fn provider.Function, now time.Time) (uint64, string)

// LoopConfig configures the reconcile loop. Zero durations take the defaults.
type LoopConfig struct {
	Provider Provider            // required
	Source   metricsource.Source // required
	Actuator Actuator            // required: the one writer of replicas
	Clock    clock.Clock         // default clock.Real()
	// Interval between full passes (--scale-interval, default 5s).
	Interval time.Duration
	// StableWindow is the load averaging window for decisions and the length
	// of burst mode (--stable-window, default 60s).
	StableWindow time.Duration
	// BurstWindow is the short load window that detects bursts
	// (--burst-window, default 10s); shorter than StableWindow.
	BurstWindow time.Duration
	// Defaults for labels a function does not set; must be valid.
	Defaults Defaults
	// Namespaces to manage; empty = every namespace the provider lists.
	Namespaces []string
	// Leading reports whether this replica acts (leader election); nil =
	// always. A follower refuses signals (503) instead of queueing work it
	// will never do.
	Leading func() bool
	// MinFloor gives scheduled minimums; optional.
	MinFloor MinFloorFunc
	// MinFloorLabel is the label (or annotation) MinFloor reads, when it
	// reads one: a function with neither has no scheduled minimum, and
	// MinFloor is not asked about it. Whether a function has it is read
	// when its labels are parsed (speccache.go), not at every pass: asking
	// MinFloor about every function at every pass, nearly always to find
	// no schedule, was 2–3 % of the trace replay. Empty: MinFloor is asked
	// about every function.
	MinFloorLabel string
	// AlignLag times the passes after the gateway's scrapes when the source
	// tells them (metricsource.ScrapeClock): each pass runs this long after
	// a scrape (AlignTick). 0 keeps a ticker of the loop's own.
	AlignLag time.Duration
	// OnPass, when set, is called after each full pass Run makes (Tick)
	// returns, failed or not: a failed pass is a loop that still turns, a
	// pass that never returns is one that hangs. The controller's liveness
	// (/healthz) reads it; it must be cheap and never block.
	OnPass func()
	// HistorySize is how many decisions per function the explain API keeps:
	// 0 = unset, DefaultHistorySize; NoHistory = none (scaler.history_size:
	// 0). Zero takes the default like every other field here, so a caller
	// that leaves it out keeps a history.
	HistorySize int
	// Registerer receives the loop's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Logger; nil discards.
	Logger *slog.Logger
}

// Defaults of LoopConfig.
const (
	DefaultInterval     = 5 * time.Second
	DefaultStableWindow = 60 * time.Second
	DefaultBurstWindow  = 10 * time.Second
	DefaultHistorySize  = 50
	// NoHistory as LoopConfig.HistorySize keeps no decisions.
	NoHistory = -1
)

func (c *LoopConfig) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real()
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.StableWindow == 0 {
		c.StableWindow = DefaultStableWindow
	}
	if c.BurstWindow == 0 {
		c.BurstWindow = DefaultBurstWindow
	}
	if c.HistorySize == 0 {
		c.HistorySize = DefaultHistorySize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem with c (after defaults are applied).
func (c LoopConfig) Validate() error {
	var errs []error
	if c.Provider == nil {
		errs = append(errs, errors.New("scaler: provider is required"))
	}
	if c.Source == nil {
		errs = append(errs, errors.New("scaler: metrics source is required"))
	}
	if c.Actuator == nil {
		errs = append(errs, errors.New("scaler: actuator is required"))
	}
	if c.Interval < 0 {
		errs = append(errs, fmt.Errorf("scale interval = %v, must be positive", c.Interval))
	}
	if c.StableWindow < 0 {
		errs = append(errs, fmt.Errorf("stable window = %v, must be positive", c.StableWindow))
	}
	if c.BurstWindow < 0 || c.BurstWindow > c.StableWindow {
		errs = append(errs, fmt.Errorf("burst window = %v, must be positive and at most the stable window %v", c.BurstWindow, c.StableWindow))
	}
	if c.HistorySize < 0 && c.HistorySize != NoHistory {
		errs = append(errs, fmt.Errorf("history size = %d, must not be negative (NoHistory keeps none)", c.HistorySize))
	}
	if iv := cmp.Or(c.Interval, DefaultInterval); c.AlignLag < 0 || c.AlignLag >= iv {
		errs = append(errs, fmt.Errorf("align lag = %v, must be at least 0 and below the scale interval %v", c.AlignLag, iv))
	}
	if err := c.Defaults.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Loop is the reconcile loop: it evaluates every function each Interval and
// any function an alert names at once, and applies the decisions.
type Loop struct {
	cfg     LoopConfig
	log     *slog.Logger
	metrics *loopMetrics

	// passMu serialises passes, so there is never more than one Scale in
	// flight for a function and State updates never race.
	passMu sync.Mutex

	mu  sync.Mutex // guards the fields below
	fns map[provider.Ref]*fnState
	// order is fns sorted as a scrape writes them (metrics.go), kept
	// while no function comes or goes (nil after: the next scrape sorts
	// again); orderGen counts the comings and goings.
	order       []*fnState
	orderGen    uint64
	listed      bool  // fns reflects at least one successful listing
	providerErr error // last provider contact's error, nil when it worked
	pending     map[provider.Ref]Signal
	follow      map[provider.Ref]time.Time // re-evaluate until (followup.go)
	// unknownLabels holds, for the few functions that have any, the labels
	// under our prefixes that nothing reads (unknownlabels.go): written
	// when their labels are parsed, under passMu too; shown by Explain.
	unknownLabels map[provider.Ref][]string
	wake          chan struct{}

	// Touched only under passMu.
	pass        uint32          // numbers the ticks; a function not marked by the last one is gone
	termPass    uint32          // the pass that lists first in the current term (newTerm; statesLocked)
	recShare    int             // records each function's history may hold (historybudget.go); 0 before the first pass
	specGen     uint64          // numbers the defaults; a spec parsed under another is parsed again
	scratch     []*fnState      // a pass's states, reused
	loadScratch []queryReadings // a pass's readings, reused
	// windowScratch is a type's windows as asked of the source
	// (metricsource.LoadsAligned), emptied after each call.
	windowScratch []metricsource.WindowReadings
	// downSaid is the last pass's lower-bound words (pass.go lowerBound),
	// so a gateway instance down is logged when it starts and ends, not
	// every pass; passMu.
	downSaid string
	// readings holds the one function being decided's stable and burst
	// readings, which its Observation points at: only for the length of
	// its decideAndApply, since nothing keeps an Observation's pointers
	// (keepObs keeps values, a Decision holds none). A new pair per
	// decision was a seventh of the trace replay's allocations.
	readings [2]float64

	// noRepeat makes every tick decide for every function (tests: the
	// oracle that repeating a decision is what deciding would give).
	noRepeat bool
}

// NewLoop validates cfg and registers the loop's metrics.
func NewLoop(cfg LoopConfig) (*Loop, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Loop{
		cfg:     cfg,
		log:     cfg.Logger,
		metrics: newLoopMetrics(),
		fns:     make(map[provider.Ref]*fnState),
		pending: make(map[provider.Ref]Signal),
		wake:    make(chan struct{}, 1),
		specGen: 1,
	}
	if err := l.metrics.register(cfg.Registerer, l); err != nil {
		return nil, err
	}
	return l, nil
}

// Run passes over every function each Interval, and evaluates signalled
// functions as soon as Notify queues them, until ctx is done (returns nil).
func (l *Loop) Run(ctx context.Context) error {
	l.newTerm()
	// A term that ends with the lease lost leaves no data age behind: the
	// dashboard's max() across replicas showed a former leader's last age
	// (minutes, in the outage that cost it the lease) over the leader's.
	defer func() {
		if l.cfg.Leading != nil && !l.cfg.Leading() {
			l.metrics.scrapeAge.Set(0)
		}
	}()
	f := l.cfg.Clock.NewTicker(FollowUpEvery)
	defer f.Stop()
	now := l.cfg.Clock.Now()
	l.tick(ctx, now)
	t := l.passTicker(ctx, now)
	defer func() { t.Stop() }()
	for {
		// A pass that outlasts the interval leaves a tick waiting; when the
		// term ended during it, select picks among the ready cases at
		// random, and another whole pass ran after the term about half the
		// time. Each case checks the context first.
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
			if ctx.Err() != nil {
				return nil
			}
			now := l.cfg.Clock.Now()
			l.tick(ctx, now)
			if l.cfg.AlignLag > 0 {
				t.Stop()
				t = l.passTicker(ctx, now)
			}
		case <-f.C():
			if ctx.Err() != nil {
				return nil
			}
			l.logPassError(l.FollowUp(ctx, l.cfg.Clock.Now()))
		case <-l.wake:
			if ctx.Err() != nil {
				return nil
			}
			l.logPassError(l.EvaluatePending(ctx, l.cfg.Clock.Now()))
		}
	}
}

// passTicker fires for the pass after one at now: every interval on the
// loop's own ticker, or, aligning to the scrapes, once at NextTick (Run
// makes a new one after each pass).
func (l *Loop) passTicker(ctx context.Context, now time.Time) clock.Ticker {
	if l.cfg.AlignLag <= 0 {
		return l.cfg.Clock.NewTicker(l.cfg.Interval)
	}
	wait := l.NextTick(ctx, now).Sub(l.cfg.Clock.Now())
	return l.cfg.Clock.NewTicker(max(wait, time.Millisecond))
}

// tick is Run's pass: Tick, its error logged, then OnPass.
func (l *Loop) tick(ctx context.Context, now time.Time) {
	l.logPassError(l.Tick(ctx, now))
	if l.cfg.OnPass != nil {
		l.cfg.OnPass()
	}
}

func (l *Loop) logPassError(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		l.log.Warn("reconcile pass failed", "err", err)
	}
}

// newTerm forgets what an earlier Run (a leadership term) left: signals
// still queued when it ended (a read that failed in the outage that ended
// the term queues its signal again) were acted on as fresh an hour later
// in the next term, waking a function on an alert long resolved; and its
// listing answered alerts for functions deployed since as unknown (200,
// never retried) until the new term's first listing. Until that listing
// Notify answers 503, as at a process start, and AlertManager retries.
//
// And each function's first listing in the term is a first sight, as at a
// process start (statesLocked): the count found is what the last leader
// held, perhaps by its down window, which this replica never saw; its own
// recommendations are its last term's, long out of the window after an
// hour as a follower.
func (l *Loop) newTerm() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.pending)
	l.listed = false
	l.termPass = l.pass + 1
}

// NotListed (explain.Unlisted) says why no listing backs the loop's
// functions yet (before the first successful listing of a process or of a
// leadership term), nil once one does: the explain API answers 503 then,
// as Notify does.
func (l *Loop) NotListed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.notListedLocked()
}

func (l *Loop) notListedLocked() error {
	if l.listed {
		return nil
	}
	if l.providerErr != nil {
		return fmt.Errorf("%w: functions not listed yet: %w", ErrUnavailable, l.providerErr)
	}
	return fmt.Errorf("%w: functions not listed yet (starting)", ErrUnavailable)
}

// Notify queues an immediate evaluation of sig.Ref and returns at once. A
// newer signal for the same function replaces a queued one (coalescing), so
// the queue holds at most one entry per listed function, except that another
// alert's resolution does not replace a firing alert (queueLocked). Without queueing,
// it returns ErrUnavailable (the webhook answers 503 with Retry-After, and
// AlertManager retries) on a replica that does not lead, and before the
// first successful listing, when no name can be checked; and
// ErrUnknownFunction when the last listing did not have the function (new
// functions are picked up by the next tick). After queueing, it returns
// ErrUnavailable when the last provider contact failed.
func (l *Loop) Notify(ctx context.Context, sig Signal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.cfg.Leading != nil && !l.cfg.Leading() {
		return fmt.Errorf("%w: this replica is not the leader; send alerts to the leader (the Service routes to the ready replica)", ErrUnavailable)
	}
	l.mu.Lock()
	if err := l.notListedLocked(); err != nil {
		l.mu.Unlock()
		return err
	}
	if _, ok := l.fns[sig.Ref]; !ok {
		l.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownFunction, sig.Ref)
	}
	l.queueLocked(sig)
	perr := l.providerErr
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // a wake-up is already queued; it will see this signal
	}
	if perr != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, perr)
	}
	return nil
}

// queueLocked queues sig for its function. A queued firing alert stays
// when another alert about the function (another fingerprint: a second
// rule, or the function's series under its bare and its qualified name,
// which AlertManager groups into one notification in either order)
// resolves: the function still has an alert firing, and in step mode the
// resolution would start a step down in place of the step up. Nor does the
// resolution of an earlier instance of the same alert (same fingerprint, an
// earlier StartsAt: see earlierInstance). Nor does a scale-down alert
// (Signal.Down), which is only a trigger: in its place a queued scale-up
// alert's load was lost; nor another alert firing without a load. A newer
// signal of the same alert, or a firing one, replaces it. The caller holds
// l.mu.
func (l *Loop) queueLocked(sig Signal) {
	if q, ok := l.pending[sig.Ref]; ok && !keepsQueued(q, sig) {
		return
	}
	l.pending[sig.Ref] = sig
}

// keepsQueued says whether sig may take queued q's place.
func keepsQueued(q, sig Signal) bool {
	if q.Status != Firing || q.Down {
		return true
	}
	if sig.Down {
		return false // a trigger never displaces an up alert's evidence
	}
	if sig.Status == Firing && sig.Load == nil && q.Load != nil && q.Fingerprint != sig.Fingerprint {
		// Another alert firing without a load (OpenFaaS CE's, beside the
		// generated rules) says no more than the one queued, whose load
		// is the freshest reading there is.
		return false
	}
	return sig.Status != Resolved || (q.Fingerprint == sig.Fingerprint && !sig.StartsAt.Before(q.StartsAt))
}

// takePendingLocked empties the queue and returns what it held (nil when
// empty). The caller holds l.mu.
func (l *Loop) takePendingLocked() map[provider.Ref]Signal {
	if len(l.pending) == 0 {
		return nil
	}
	batch := l.pending
	l.pending = make(map[provider.Ref]Signal)
	return batch
}

// EvaluatePending evaluates every function with a queued signal, in one pass
// (one Load query per type and window in use among them). A signal whose
// function cannot be read now (the provider failing) is queued again for
// the next pass: it was accepted (the webhook answered 2xx), and
// AlertManager does not send a resolution twice.
func (l *Loop) EvaluatePending(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	batch := l.takePendingLocked()
	l.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	// Read under passMu, so a pass that is scaling one of these functions
	// has finished and we see the count it set.
	l.passMu.Lock()
	defer l.passMu.Unlock()
	var (
		fns  []provider.Function
		sigs = make(map[provider.Ref]*Signal, len(batch))
		errs []error
	)
	var retry []Signal
	for ref, sig := range batch {
		fn, err := l.readFunction(ctx, ref)
		if err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrUnavailable) { // not a function gone
				retry = append(retry, sig)
			}
			continue
		}
		fns = append(fns, fn)
		sigs[ref] = &sig
	}
	if len(retry) > 0 {
		l.mu.Lock()
		for _, sig := range retry {
			// Back in the queue unless a newer signal took the slot that
			// queueLocked would have let in over it: a scale-down trigger
			// or another alert's resolution that came during the failed
			// read gives the slot back to a firing alert (queueLocked
			// never lets them replace one; the firing alert was accepted,
			// and AlertManager will not send it again).
			if q, newer := l.pending[sig.Ref]; !newer || !keepsQueued(sig, q) {
				l.pending[sig.Ref] = sig
			}
		}
		l.mu.Unlock()
	}
	l.mu.Lock()
	states, _ := l.statesLocked(fns, now)
	l.mu.Unlock()
	l.evaluate(ctx, fns, states, sigs, now, false, nil)
	return joinBounded(errs, 5)
}

// EvaluateNow reads one function and decides and applies for it at once,
// with sig as the trigger (nil for none).
func (l *Loop) EvaluateNow(ctx context.Context, ref provider.Ref, sig *Signal, now time.Time) (Decision, error) {
	l.passMu.Lock()
	defer l.passMu.Unlock()
	fn, err := l.readFunction(ctx, ref)
	if err != nil {
		return Decision{}, err
	}
	l.mu.Lock()
	states, _ := l.statesLocked([]provider.Function{fn}, now)
	l.mu.Unlock()
	out := make([]Decision, 1)
	l.evaluate(ctx, []provider.Function{fn}, states, map[provider.Ref]*Signal{ref: sig}, now, false, out)
	return out[0], nil
}

// readFunction reads one function, forgetting it when it is gone.
func (l *Loop) readFunction(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	fn, err := l.cfg.Provider.Function(ctx, ref)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		l.setProviderErr(nil)
		l.forget(ref)
		return fn, fmt.Errorf("%w: %s", ErrUnknownFunction, ref)
	case err != nil:
		l.setProviderErr(err)
		l.metrics.errors.WithLabelValues("read").Inc()
		return fn, fmt.Errorf("%w: read %s: %w", ErrUnavailable, ref, err)
	}
	l.setProviderErr(nil)
	return fn, nil
}

func (l *Loop) setProviderErr(err error) {
	l.mu.Lock()
	l.providerErr = err
	l.mu.Unlock()
}

// SetTuning swaps the loop's tuning (a configuration reload): the label
// defaults and the load windows. It waits for a pass in progress, so no
// pass mixes two configurations. The state of every function is kept.
func (l *Loop) SetTuning(d Defaults, stable, burst time.Duration) error {
	c := l.cfg
	c.Defaults, c.StableWindow, c.BurstWindow = d, stable, burst
	if err := c.Validate(); err != nil {
		return err
	}
	l.passMu.Lock()
	defer l.passMu.Unlock()
	// Under mu too: passes read the tuning under passMu, the explain API
	// under mu (a reload raced every GET /api/v1/functions).
	l.mu.Lock()
	l.cfg.Defaults, l.cfg.StableWindow, l.cfg.BurstWindow = d, stable, burst
	l.mu.Unlock()
	l.specGen++ // every function's labels are parsed again over the new defaults
	return nil
}

// joinBounded joins at most n errors and counts the rest, so that one
// failing pass over many signals cannot write a log line of unbounded size.
func joinBounded(errs []error, n int) error {
	if len(errs) <= n {
		return errors.Join(errs...)
	}
	return errors.Join(append(errs[:n:n], fmt.Errorf("and %d more", len(errs)-n))...)
}
