package actuator

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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
		// The caller's context ended, not the function's call: stopped.
		return Outcome{Intent: in, Code: CodeError, Err: ctx.Err(), Reason: "gave up waiting: " + ctx.Err().Error(), stopped: true}
	}
}

// leading is the leader guard's answer now.
func (a *Actuator) leading() bool { return a.cfg.Leading == nil || a.cfg.Leading() }
