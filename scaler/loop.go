package scaler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

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
	listed      bool            // fns reflects at least one successful listing
	heldOver    bool            // fns is as an earlier term left it until this term's first pass has decided (NotListed)
	termDone    <-chan struct{} // the last term's ctx.Done (nil before a Run): once closed Run evaluates no other signal, in its last pass or returned
	providerErr error           // last provider contact's error, nil when it worked
	pending     map[provider.Ref]Signal
	follow      map[provider.Ref]time.Time // re-evaluate until (followup.go)
	// unknownLabels holds, for the few functions that have any, the labels
	// under our prefixes that nothing reads (unknownlabels.go): written
	// when their labels are parsed, under passMu too; shown by Explain.
	unknownLabels map[provider.Ref][]string
	// ownWrites holds step mode functions' last write that landed
	// (ownwrite.go), for a drop ending a step that meets it to tell it
	// from a newer raise.
	ownWrites map[provider.Ref]ownWrite
	wake      chan struct{}

	// Touched only under passMu.
	pass        uint32          // numbers the ticks; a function not marked by the last one is gone
	termPass    uint32          // the pass that lists first in the current term (newTerm; statesLocked)
	recShare    int             // records each function's history may hold (historybudget.go); 0 before the first pass
	specGen     uint64          // numbers the defaults; a spec parsed under another is parsed again
	scratch     []*fnState      // a pass's states, reused
	loadScratch []queryReadings // a pass's readings, reused
	// fewScratch is the states of an evaluation of a few functions (a
	// follow-up, a signal, EvaluateNow), reused: kept apart from scratch,
	// which keeps the last listing's order for the next pass to match by
	// position (statesLocked). Shared, a follow-up's few sent the next
	// pass to the map for every function after them.
	fewScratch []*fnState
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
	l.newTerm(ctx.Done())
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
//
// Nor does the last term's provider error carry over: kept, the new term
// said "scaler cannot reach the provider: … connection refused" from an
// outage an hour old until its first listing, which may well succeed.
func (l *Loop) newTerm(done <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.pending)
	l.listed, l.termDone = false, done
	l.providerErr = nil
	l.heldOver = len(l.fns) > 0
	l.termPass = l.pass + 1
}

// NotListed (explain.Unlisted) says why no listing backs the loop's
// functions yet (before the first successful listing of a process or of a
// leadership term), nil once one does: the explain API answers 503 then,
// as Notify does. The error is ErrUnavailable and ErrNotListed; its words
// say the provider cannot be reached only once a listing has failed.
//
// In a term after an earlier one it answers errHeldOver until the term's
// first pass has decided. The pass lists first and decides only once the
// metrics source has answered (up to prometheus.timeout); meanwhile the
// API served each function as the last term left it, its replicas,
// desired count and decisions an hour old on a replica that had followed
// for an hour, while the listing had just read what the other leader left
// (followerRefuses in package controller refuses a follower's for the
// same reason). Notify needs only the listing, and accepts once it has it.
// At a process start nothing is held over: a function listed and not yet
// decided is served with the listing's counts (statesLocked).
func (l *Loop) NotListed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.notListedLocked(); err != nil {
		return err
	}
	if l.heldOver {
		return errHeldOver
	}
	if l.termEndedLocked() {
		// Between a term's end and the next term's Run (the elector says
		// leading before Act's warm-up has run Run): what the loop holds is
		// the former term's, as Notify refuses it then.
		return errTermEnded
	}
	return nil
}

// errTermEnded is NotListed's error once a term has ended and before the
// next one's Run: the answer would be the former term's, served as current.
var errTermEnded = unavailable("scaler between leadership terms: the last term has ended and the next has not started its loop; " +
	"what this replica holds is from when it last led")

// errHeldOver is NotListed's error while the functions held are an
// earlier term's: the explain API's 503, with Retry-After.
var errHeldOver = errors.New("scaler starting: functions listed, not decided yet in this leadership term " +
	"(its first pass waits for the metrics source); until they are, what this replica holds is from when it last led")

func (l *Loop) notListedLocked() error {
	if l.listed {
		return nil
	}
	if l.providerErr != nil {
		return fmt.Errorf("%w: %w: %w", ErrUnavailable, ErrNotListed, l.providerErr)
	}
	return notListedYet{}
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
	states, _ := l.statesLocked([]provider.Function{fn}, now, &l.fewScratch)
	l.mu.Unlock()
	out := make([]Decision, 1)
	l.evaluate(ctx, []provider.Function{fn}, states, map[provider.Ref]*Signal{ref: sig}, now, false, out)
	// The caller's to keep: the next state's list may be the function's
	// own, which a steady repeat writes into once the loop no longer
	// holds it (spareList).
	d := out[0]
	d.Next.Recommendations = slices.Clone(d.Next.Recommendations)
	return d, nil
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
