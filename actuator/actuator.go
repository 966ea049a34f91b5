package actuator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// Config configures an Actuator.
type Config struct {
	Provider provider.Provider // required
	Clock    clock.Clock       // default clock.Real()
	// Workers is how many functions' calls run at once (≥ 1).
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
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("actuator: workers = %d, must be at least 1", c.Workers))
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
	busy    bool // a worker is processing the function
	queued  bool // the function is in Actuator.queue

	last         Write
	failures     int
	backoffUntil time.Time
	refusedTo    uint64
	hasRefused   bool
	refusedUntil time.Time
	lastErr      string
	dryRunTo     uint64 // last dry-run target logged, +1 (0 = none)
	history      []Outcome
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
		a.running.Store(false)
		close(done)
	}()
	return done
}

func (a *Actuator) signal() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *Actuator) work(ctx context.Context) {
	for {
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
			a.process(ctx, ref)
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
// merged with it (Merge); the dropped one's done gets CodeSuperseded.
func (a *Actuator) Submit(ctx context.Context, in Intent, done func(Outcome)) {
	a.mu.Lock()
	s := a.slot(in.Ref)
	p := pending{in: in, done: done}
	var dropped pending
	var by Component
	var hasDropped bool
	switch {
	case !s.hasNext:
		s.next, s.hasNext = p, true
		a.npending++
	default:
		if keep, _ := Merge(s.next.in, in); keep == in {
			dropped, s.next, by = s.next, p, in.Who
		} else {
			dropped, by = p, s.next.in.Who
		}
		hasDropped = true
	}
	a.m.pending.Set(float64(a.npending))
	inline := !a.running.Load()
	if !inline && !s.busy && !s.queued {
		s.queued = true
		a.queue = append(a.queue, in.Ref)
	}
	a.mu.Unlock()
	if hasDropped {
		a.finish(dropped, Outcome{Intent: dropped.in, Code: CodeSuperseded, At: a.cfg.Clock.Now(),
			Reason: fmt.Sprintf("replaced by %s's intent before it ran", by)})
	}
	if inline {
		a.process(ctx, in.Ref)
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
// goroutine already is (it will see the queued intent).
func (a *Actuator) process(ctx context.Context, ref provider.Ref) {
	a.mu.Lock()
	s := a.slot(ref)
	if s.busy {
		a.mu.Unlock()
		return
	}
	s.busy = true
	s.queued = false
	for s.hasNext {
		p := s.next
		s.next, s.hasNext = pending{}, false
		a.npending--
		a.m.pending.Set(float64(a.npending))
		in := a.inputLocked(s, p.in)
		a.mu.Unlock()
		a.m.inflight.Inc()
		o := a.execute(ctx, in)
		a.m.inflight.Dec()
		a.mu.Lock()
		a.recordLocked(s, o)
		a.mu.Unlock()
		a.finish(p, o)
		a.mu.Lock()
	}
	s.busy = false
	a.mu.Unlock()
}

func (a *Actuator) inputLocked(s *slot, in Intent) Input {
	leading := a.cfg.Leading == nil || a.cfg.Leading()
	return Input{Intent: in, Now: a.cfg.Clock.Now(), Leading: leading, Managed: a.managed == nil || a.managed[in.Ref.Namespace],
		DryRun: a.cfg.DryRun, Last: s.last, BackoffUntil: s.backoffUntil,
		RefusedTo: s.refusedTo, HasRefused: s.hasRefused, RefusedUntil: s.refusedUntil}
}

func (a *Actuator) finish(p pending, o Outcome) {
	a.m.outcome(o)
	if p.done != nil {
		p.done(o)
	}
}

// Forget drops what the actuator remembers of a function that is gone.
func (a *Actuator) Forget(ref provider.Ref) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.slots[ref]; ok && !s.busy && !s.hasNext {
		delete(a.slots, ref)
	}
}

// LastRaise is when who (any component when empty) last raised ref's count
// through the actuator (zero when never, or when the last write lowered it).
func (a *Actuator) LastRaise(ref provider.Ref, who Component) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[ref]
	if !ok || !s.last.Raised() || (who != "" && s.last.Who != who) {
		return time.Time{}
	}
	return s.last.At
}

// LastWrite returns the last write to ref (false when none).
func (a *Actuator) LastWrite(ref provider.Ref) (Write, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.slots[ref]
	if !ok || s.last.At.IsZero() {
		return Write{}, false
	}
	return s.last, true
}

// History returns ref's recent outcomes, oldest first.
func (a *Actuator) History(ref provider.Ref) []Outcome {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.slots[ref]; ok {
		return slices.Clone(s.history)
	}
	return nil
}
