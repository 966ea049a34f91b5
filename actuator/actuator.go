package actuator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Provider is what the actuator needs from the system that holds replicas:
// a read (for providers without a conditional write) and a write.
// provider.Provider satisfies it; a provider.ConditionalScaler is used for
// its compare-and-swap.
type Provider interface {
	Function(ctx context.Context, ref provider.Ref) (provider.Function, error)
	Scale(ctx context.Context, ref provider.Ref, replicas uint64) error
}

// MaxWorkers bounds Config.Workers. Start runs one goroutine per worker
// before the pool serves anything, so an unbounded count (a typo such as
// 1000000000) wedged the process starting them; and every worker is one
// provider call in flight against one gateway or API server, which
// throttles far below this (the Kubernetes client allows 50 requests a
// second, burst 100). 1024 is two orders of magnitude above the default 8,
// room for any fleet, and costs at most a few MiB of goroutine stacks.
const MaxWorkers = 1024

// Config configures an Actuator.
type Config struct {
	Provider provider.Provider // required
	Clock    clock.Clock       // default clock.Real()
	// Workers is how many functions' calls run at once (1 to MaxWorkers).
	Workers int
	// CallTimeout bounds each attempt (read and write) for one intent.
	CallTimeout time.Duration
	// BackoffInitial doubles per consecutive failure of a function, up to
	// BackoffMax.
	BackoffInitial, BackoffMax time.Duration
	// RefusedBackoff: a count the provider refused is not asked for again
	// for this long.
	RefusedBackoff time.Duration
	// DryRun decides and reports, never writes.
	DryRun bool
	// Namespaces the controller manages; empty = all.
	Namespaces []string
	// Leading reports whether this replica may write; nil = always.
	Leading func() bool
	// HistorySize is how many outcomes per function the explain API keeps.
	HistorySize int
	Registerer  prometheus.Registerer
	Logger      *slog.Logger
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	var errs []error
	if c.Provider == nil {
		errs = append(errs, errors.New("actuator: provider is required"))
	}
	if c.Workers < 1 || c.Workers > MaxWorkers {
		errs = append(errs, fmt.Errorf("actuator: workers = %d, must be in [1, %d]", c.Workers, MaxWorkers))
	}
	if c.CallTimeout <= 0 {
		errs = append(errs, fmt.Errorf("actuator: call timeout = %s, must be positive", c.CallTimeout))
	}
	if c.BackoffInitial <= 0 || c.BackoffMax < c.BackoffInitial {
		errs = append(errs, fmt.Errorf("actuator: back-off %s..%s: initial must be positive and max at least initial", c.BackoffInitial, c.BackoffMax))
	}
	if c.RefusedBackoff <= 0 {
		errs = append(errs, fmt.Errorf("actuator: refused back-off = %s, must be positive", c.RefusedBackoff))
	}
	if c.HistorySize < 0 {
		errs = append(errs, fmt.Errorf("actuator: history size = %d, must not be negative", c.HistorySize))
	}
	return errors.Join(errs...)
}

// Default returns a valid configuration without a provider.
func Default() Config {
	return Config{Workers: 8, CallTimeout: 10 * time.Second, BackoffInitial: time.Second, BackoffMax: time.Minute,
		RefusedBackoff: time.Hour, HistorySize: 10}
}

// Actuator is the one writer of replicas. Submit never blocks on a provider
// call while Run is running; without Run (the simulator, tests on virtual
// time) each Submit is processed at once in the caller's goroutine.
type Actuator struct {
	cfg     Config
	log     *slog.Logger
	m       *metrics
	managed map[string]bool
	running atomic.Bool

	mu       sync.Mutex
	slots    map[provider.Ref]*slot
	npending int            // slots with a queued intent
	queue    []provider.Ref // functions with a queued intent and no worker on them
	kick     chan struct{}
}

// pending is one queued intent and who to tell about its outcome.
type pending struct {
	in   Intent
	done func(Outcome)
}

// slot is one function's actuation state. Guarded by Actuator.mu.
type slot struct {
	next    pending // the queued intent, when hasNext (a value: no allocation per intent)
	hasNext bool
	// fallback is the runner-up of the intents merged into next, kept to run
	// if next is not applied (see add). hasFallback implies hasNext, and the
	// two are of different components.
	fallback    pending
	hasFallback bool
	busy        bool // a worker is processing the function
	queued      bool // the function is in Actuator.queue
	// forgotten: Forget came while the slot was busy or had a queued
	// intent; it is deleted once neither holds (see Forget).
	forgotten bool

	last         Write
	failures     int
	backoffUntil time.Time
	// refused holds the counts the provider refused, each held off until
	// its own end (refused.go), oldest refusal first.
	refused  []Refusal
	lastErr  string
	dryRunTo uint64 // last dry-run target logged, +1 (0 = none)
	history  []Outcome
	// created is the latest creation time an intent named for the function
	// (Intent.Created; zero: none did). See renew.
	created time.Time
}

// renew takes the creation time an intent about to run names for the
// function. A later one than s knows is a new function deployed under the
// name (deleted and re-created between two listings, so nothing called
// Forget): what s kept of the old one is forgotten (its last write, error
// back-off, refused count and recent outcomes), or the new function was
// not scaled to a count its predecessor was refused for up to the refused
// back-off. A zero time (the proposer does not know) or an older one (a
// listing from before the re-creation) changes nothing. The queue is kept.
// Actuator.mu is held.
func (s *slot) renew(created time.Time) {
	if created.IsZero() || !created.After(s.created) {
		return
	}
	if !s.created.IsZero() {
		clear(s.history) // the outcomes' strings and errors
		s.last, s.failures, s.backoffUntil, s.lastErr, s.dryRunTo = Write{}, 0, time.Time{}, "", 0
		s.refused = s.refused[:0]
		s.history = s.history[:0]
	}
	s.created = created
}

// New validates cfg and registers the actuator's metrics.
func New(cfg Config) (*Actuator, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Actuator{cfg: cfg, log: log, m: m, slots: map[provider.Ref]*slot{}, kick: make(chan struct{}, cfg.Workers)}
	if len(cfg.Namespaces) > 0 {
		a.managed = map[string]bool{}
		for _, ns := range cfg.Namespaces {
			a.managed[ns] = true
		}
	}
	return a, nil
}

// Run runs the worker pool until ctx ends. Submissions made while it runs
// are processed by the pool.
func (a *Actuator) Run(ctx context.Context) error {
	<-a.Start(ctx)
	return nil
}

// Start starts the worker pool and returns at once; the returned channel is
// closed when the pool has stopped (ctx ended). From the moment Start
// returns, Submit hands intents to the pool and never runs a provider call
// in the caller's goroutine: start the actuator before the loops that
// propose, or their first proposals are applied inline, in the loop.
// Once ctx ends the workers take no new intent; every intent still queued
// when they have left gets CodeStopped before the channel is closed, so
// none waits for the next Start (the next leadership term).
func (a *Actuator) Start(ctx context.Context) <-chan struct{} {
	a.running.Store(true)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range a.cfg.Workers {
		wg.Go(func() { a.work(ctx) })
	}
	a.signal() // anything queued before
	go func() {
		wg.Wait()
		a.stopped()
		close(done)
	}()
	return done
}

// stopped runs once every worker has left. An intent submitted as the pool
// stopped was queued for workers that are gone: it gets CodeStopped now, in
// the term it was proposed in. Left queued, its done would never be called
// (a caller in Apply would hang) and the next Start, maybe hours later,
// would apply it on a view that old; the proposer decides again instead.
// Submit processes inline again from here on, as before Start.
func (a *Actuator) stopped() {
	var left []pending
	a.mu.Lock()
	for ref, s := range a.slots {
		// A busy slot is an inline Submit's (one made before Start): that
		// goroutine runs what is queued for it.
		if !s.hasNext || s.busy {
			continue
		}
		left = append(left, s.next)
		if s.hasFallback {
			left = append(left, s.fallback)
		}
		s.next, s.hasNext, s.fallback, s.hasFallback, s.queued = pending{}, false, pending{}, false, false
		a.npending--
		a.dropIfForgotten(ref, s)
	}
	a.queue = nil
	a.m.pending.Set(float64(a.npending))
	// Under the lock with the drain: a Submit either was queued, and is
	// drained above, or sees the pool stopped and runs inline.
	a.running.Store(false)
	a.mu.Unlock()
	now := a.cfg.Clock.Now()
	for _, p := range left {
		a.finish(p, stoppedOutcome(p, now))
	}
}

func stoppedOutcome(p pending, now time.Time) Outcome {
	return Outcome{Intent: p.in, Code: CodeStopped, At: now, Reason: "the worker pool stopped before it ran"}
}

func (a *Actuator) signal() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *Actuator) work(ctx context.Context) {
	for {
		if ctx.Err() != nil {
			// Not one more intent on a cancelled context (it would fail as
			// an error and back the function off): stopped gives what is
			// left its outcome.
			return
		}
		a.mu.Lock()
		var ref provider.Ref
		ok := len(a.queue) > 0
		if ok {
			ref = a.queue[0]
			a.queue = a.queue[1:]
			if len(a.queue) > 0 {
				a.signal() // more work: wake another worker
			}
		}
		a.mu.Unlock()
		if ok {
			a.process(ctx, ref, true)
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		}
	}
}

// Submit proposes in; done (optional) is called once with its outcome. A
// newer intent for a function whose previous one has not started yet is
// merged with it (see slot.add); one that is dropped gets CodeSuperseded.
func (a *Actuator) Submit(ctx context.Context, in Intent, done func(Outcome)) {
	a.mu.Lock()
	s := a.slot(in.Ref)
	s.forgotten = false // proposed again: the function is not gone
	if !s.hasNext {
		a.npending++
	}
	dropped, by, hasDropped := s.add(pending{in: in, done: done})
	a.m.pending.Set(float64(a.npending))
	inline := !a.running.Load()
	if !inline && !s.busy && !s.queued {
		s.queued = true
		a.queue = append(a.queue, in.Ref)
	}
	a.mu.Unlock()
	if hasDropped {
		a.finish(dropped, supersededOutcome(dropped, by, a.cfg.Clock.Now()))
	}
	if inline {
		a.process(ctx, in.Ref, false)
		return
	}
	a.signal()
}

func supersededOutcome(p pending, by Component, now time.Time) Outcome {
	return Outcome{Intent: p.in, Code: CodeSuperseded, At: now, Reason: fmt.Sprintf("replaced by %s's intent before it ran", by)}
}

// add queues p, the function's newest intent, and returns the queued
// intent it drops, if any, with the component that replaced it.
//
// The rule: per component only the newest intent counts (a component's
// newer intent replaces its older one at once). Between components Merge
// picks the one to run (the higher count), and the runner-up is kept as a
// fallback instead of being dropped: if the winner is not applied (Arbitrate
// drops it, say a wake on stale evidence, or its write fails), the fallback
// is arbitrated and run in its place, so a valid intent (the idler's
// restore to a scheduled minimum) is never lost to one that could not run.
// One fallback per function: a third component's intent that ranks below
// both is dropped. The fallback is dropped when the winner is applied.
func (s *slot) add(p pending) (dropped pending, by Component, ok bool) {
	if !s.hasNext {
		s.next, s.hasNext = p, true
		return pending{}, "", false
	}
	if s.hasFallback && s.fallback.in.Who == p.in.Who {
		// p replaces its component's older fallback. At most one drop per
		// add: the fallback and next are of different components, so p
		// cannot also replace next below.
		dropped, by, ok = s.fallback, p.in.Who, true
		s.fallback, s.hasFallback = pending{}, false
	}
	keep, lost := s.next, p
	if incomingWins(s.next.in, p.in) {
		keep, lost = p, s.next
	}
	s.next = keep
	switch {
	case lost.in.Who == keep.in.Who: // the component changed its mind
		// Its new intent still meets the other component's fallback as
		// two live intents do: its old one, now dropped, won that merge
		// and cannot decide it any more (0→4 over a pre-warm's 0→2, then
		// 0→1 in its place: the pre-warm's 2 wins).
		if s.hasFallback && !incomingWins(s.fallback.in, s.next.in) {
			s.next, s.fallback = s.fallback, s.next
		}
		return lost, keep.in.Who, true
	case !s.hasFallback:
		s.fallback, s.hasFallback = lost, true
		return dropped, by, ok
	case incomingWins(s.fallback.in, lost.in):
		s.fallback, lost = lost, s.fallback
	}
	return lost, keep.in.Who, true
}

// Apply submits in and waits for its outcome (or ctx).
func (a *Actuator) Apply(ctx context.Context, in Intent) Outcome {
	ch := make(chan Outcome, 1)
	a.Submit(ctx, in, func(o Outcome) { ch <- o })
	// Inline, the outcome is already there: report it even if ctx ended
	// meanwhile (a select would pick at random and could call an applied
	// write "gave up").
	select {
	case o := <-ch:
		return o
	default:
	}
	select {
	case o := <-ch:
		return o
	case <-ctx.Done():
		return Outcome{Intent: in, Code: CodeError, Err: ctx.Err(), Reason: "gave up waiting: " + ctx.Err().Error()}
	}
}

func (a *Actuator) slot(ref provider.Ref) *slot {
	s := a.slots[ref]
	if s == nil {
		s = &slot{}
		a.slots[ref] = s
	}
	return s
}

// process runs every intent queued for ref, one at a time, unless another
// goroutine already is (it will see the queued intent). A worker (pool)
// stops once ctx ends and leaves what is queued to stopped.
//
// A worker runs one intent a turn (with its fallback): one queued for the
// function meanwhile goes to the back of the pool's queue. Looping over
// them, a function whose count kept changing on a slow provider (calls of
// 6 s, a new intent every pass) held its worker for as long as that
// lasted, and with every worker so held another function's raise waited
// minutes in the queue: one function's trouble became the fleet's.
// Inline (no pool) there is no queue to yield to.
func (a *Actuator) process(ctx context.Context, ref provider.Ref, pool bool) {
	a.mu.Lock()
	s := a.slot(ref)
	if s.busy {
		a.mu.Unlock()
		return
	}
	s.busy = true
	s.queued = false
	turn := false
	for s.hasNext && (!pool || ctx.Err() == nil) {
		if pool && turn {
			s.queued = true
			a.queue = append(a.queue, ref)
			a.signal()
			break
		}
		turn = true
		p, fb, hasFb := s.next, s.fallback, s.hasFallback
		s.next, s.hasNext, s.fallback, s.hasFallback = pending{}, false, pending{}, false
		a.npending--
		a.m.pending.Set(float64(a.npending))
		o := a.runLocked(ctx, s, p)
		if !hasFb {
			continue
		}
		// The winner's fate decides the fallback's (see slot.add).
		var drop Outcome
		now := a.cfg.Clock.Now()
		switch {
		case o.Applied || o.Code == CodeDryRun:
			drop = supersededOutcome(fb, p.in.Who, now)
		case s.hasNext && s.next.in.Who == fb.in.Who, s.hasFallback && s.fallback.in.Who == fb.in.Who:
			drop = supersededOutcome(fb, fb.in.Who, now) // its component proposed again meanwhile
		case pool && ctx.Err() != nil:
			drop = stoppedOutcome(fb, now)
		case s.hasNext:
			// Intents queued while the winner ran are newer than the
			// fallback: it is merged under them (a newer raise beats an
			// older zero) instead of running ahead of them, where it
			// scaled to zero and the newer raise was then refused as a
			// wake on stale evidence.
			a.requeueUnder(s, fb, now)
			continue
		default:
			a.runLocked(ctx, s, fb)
			continue
		}
		a.mu.Unlock()
		a.finish(fb, drop)
		a.mu.Lock()
	}
	s.busy = false
	a.dropIfForgotten(ref, s)
	a.mu.Unlock()
}

// requeueUnder puts fb in s's queue as older than what is queued there
// now: it becomes next, and the newer intents are added over it, in order,
// as Submit adds them. a.mu is held on entry and on return.
func (a *Actuator) requeueUnder(s *slot, fb pending, now time.Time) {
	newer := []pending{s.next}
	if s.hasFallback {
		newer = append(newer, s.fallback)
	}
	s.next, s.fallback, s.hasFallback = fb, pending{}, false
	type drop struct {
		p  pending
		by Component
	}
	var drops []drop
	for _, p := range newer {
		if d, by, ok := s.add(p); ok {
			drops = append(drops, drop{d, by})
		}
	}
	if len(drops) == 0 {
		return
	}
	a.mu.Unlock()
	for _, d := range drops {
		a.finish(d.p, supersededOutcome(d.p, d.by, now))
	}
	a.mu.Lock()
}

// runLocked arbitrates and executes p, records and reports its outcome.
// a.mu is held on entry and on return, not during the call or p's done.
func (a *Actuator) runLocked(ctx context.Context, s *slot, p pending) Outcome {
	s.renew(p.in.Created)
	in := a.inputLocked(s, p.in)
	a.mu.Unlock()
	a.m.inflight.Inc()
	o := a.execute(ctx, in)
	a.m.inflight.Dec()
	a.mu.Lock()
	a.recordLocked(s, o)
	if o.Code == CodeRefused && o.Err != nil {
		o.RefusedUntil = o.At.Add(a.cfg.RefusedBackoff) // as recordLocked holds it
	}
	a.mu.Unlock()
	a.finish(p, o)
	a.mu.Lock()
	return o
}

func (a *Actuator) inputLocked(s *slot, in Intent) Input {
	now := a.cfg.Clock.Now()
	// The refusal of this intent's count, if any: a refusal of another
	// count says nothing about this one.
	r, refused := s.refusalOf(in.To, now)
	return Input{Intent: in, Now: now, Leading: a.leading(), Managed: a.managed == nil || a.managed[in.Ref.Namespace],
		DryRun: a.cfg.DryRun, Last: s.last, BackoffUntil: s.backoffUntil,
		RefusedTo: r.Replicas, HasRefused: refused, RefusedUntil: r.Until, RefusedLanded: r.Landed, HasRefusedLanded: r.HasLanded}
}

func (a *Actuator) finish(p pending, o Outcome) {
	a.m.outcome(o)
	if p.done != nil {
		p.done(o)
	}
}

// leading is the leader guard's answer now.
func (a *Actuator) leading() bool { return a.cfg.Leading == nil || a.cfg.Leading() }
