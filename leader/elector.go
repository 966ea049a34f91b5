package leader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
)

// Why a term of leadership ended, as context causes and metric labels.
var (
	errRenewOverdue = errors.New("lease renewal overdue")
	errLeaseLost    = errors.New("lease lost")
)

// Elector runs leader election for one replica.
type Elector struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	current atomic.Pointer[term] // the term in progress, nil between terms
	leader  atomic.Pointer[string]
	obs     observer
	// mine is the Lease as our last successful write left it (the server's
	// answer, with its resourceVersion); nil when we have not written since
	// a failed write, a lost lease or a release. A renewal writes over it
	// without reading first (lease.go).
	mine atomic.Pointer[coordinationv1.Lease]
}

// New validates cfg (after defaults) and returns an Elector; nothing talks to
// the API server until Run.
func New(cfg Config) (*Elector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Elector{cfg: cfg, log: log.With("lease", cfg.Namespace+"/"+cfg.LeaseName, "identity", cfg.Identity)}
	m, err := newMetrics(cfg.Registerer, e.leaseHeld)
	if err != nil {
		return nil, err
	}
	e.metrics = m
	return e, nil
}

// leaseHeld is faas_autoscaler_leader_lease_held: 1 while the Lease, as this
// replica last read or wrote it (recently: readWithin), named a holder
// whose term had not expired at that read. Expiry is the election's own
// (the record seen unchanged for its leaseDurationSeconds, on this
// replica's clock, judged at each poll), not renewTime +
// leaseDurationSeconds against our clock: that compares two replicas'
// clocks, and a leader whose clock runs behind would read as gone while
// every follower, rightly, defers to it. The gauge thus says what the
// election acts on: 1 while this replica defers to a holder it has heard
// from (or holds the lease itself).
func (e *Elector) leaseHeld() float64 {
	if e.obs.held(e.cfg.Clock.Now(), e.readWithin()) {
		return 1
	}
	return 0
}

// readWithin is how long after its last answer from the Lease a replica
// still vouches for the holder it saw: the lease duration, or, when longer,
// the most a replica that reads fine goes between two answers (a poll's
// sleep, RetryPeriod plus its jitter, and an attempt, at most
// RenewDeadline). Polls may be further apart than the lease duration (lease
// 11 s, retry period 8 s: up to 17.6 s), and the gauge must not drop to 0
// between two good reads. With the defaults it is the lease duration (15 s;
// 4.4 s + 10 s is less).
func (e *Elector) readWithin() time.Duration {
	poll := e.cfg.RetryPeriod + time.Duration(jitterFactor*float64(e.cfg.RetryPeriod)) + e.cfg.RenewDeadline
	return max(e.cfg.LeaseDuration, poll)
}

// Run validates cfg and runs an election until ctx is done; see Elector.Run.
func Run(ctx context.Context, cfg Config) error {
	e, err := New(cfg)
	if err != nil {
		return err
	}
	return e.Run(ctx)
}

// IsLeader reports whether this replica leads right now: true from the start
// of OnStartedLeading until its ctx is cancelled. Use it for /readyz and to
// refuse work on followers (see Guard).
func (e *Elector) IsLeader() bool {
	t := e.current.Load()
	// The work's context too: the flag is cleared by a goroutine after
	// the cancel (context.AfterFunc), and code that had seen the work end
	// (the work itself, a submit after the actuator's pool stopped,
	// /readyz) still read true in between (a review's finding).
	return t != nil && t.leading.Load() && t.work != nil && t.work.Err() == nil
}

// Leader returns the identity of the last leader observed, "" before any.
func (e *Elector) Leader() string {
	if p := e.leader.Load(); p != nil {
		return *p
	}
	return ""
}

// Identity returns this replica's identity in the Lease.
func (e *Elector) Identity() string { return e.cfg.Identity }

// Run stands for election until ctx is done. Each time it wins, it runs
// OnStartedLeading; when a term ends without ctx being done (the lease was
// lost, or the work returned) it stands again. On ctx done it stops the work,
// waits for it to return, releases the lease so a follower takes over at
// once, and returns nil.
func (e *Elector) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		e.runTerm(ctx)
	}
	return nil
}

// runTerm is one term: poll until the lease is ours, lead until the work
// stops, release.
func (e *Elector) runTerm(ctx context.Context) {
	won, ok := e.acquire(ctx)
	if !ok {
		return
	}
	// Followers count LeaseDuration from when they saw our write, which
	// landed after won; a reply slower than RenewDeadline leaves too little
	// of the term to start work in.
	if late := e.cfg.Clock.Now().Sub(won); late > e.cfg.RenewDeadline {
		e.log.Warn("won the lease too late to act on it; standing again", "reply_after", late.Round(time.Millisecond))
		return
	}
	work, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	t := &term{e: e, runCtx: ctx, work: work, done: make(chan struct{})}
	t.lastRenew.Store(&won)
	e.current.Store(t)
	defer e.current.Store(nil)

	go t.lead(work, cancel)
	t.renew(work, cancel)
	<-t.done
	// The work has returned: only now may another replica act, so only now
	// is the lease handed over. With ctx done (shutdown) the release gets a
	// context of its own.
	rctx, stop := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.RenewDeadline)
	defer stop()
	if err := e.release(rctx); err != nil {
		e.log.Warn("could not release the lease; followers take it when it expires", "err", err)
	}
}

// acquire polls, RetryPeriod plus jitter apart, until the lease is ours or
// ctx is done; won is when the winning attempt began (the lease's renewTime).
func (e *Elector) acquire(ctx context.Context) (won time.Time, ok bool) {
	for {
		start := e.cfg.Clock.Now()
		held, _, err := e.attempt(ctx)
		if held {
			return start, true
		}
		if err != nil {
			e.log.Debug("could not acquire the lease", "err", err)
		}
		d := e.cfg.RetryPeriod + time.Duration(rand.Float64()*jitterFactor*float64(e.cfg.RetryPeriod))
		if clock.Sleep(ctx, e.cfg.Clock, d) != nil {
			return time.Time{}, false
		}
	}
}

// attempt is tryAcquireOrRenew bounded by RenewDeadline, so one hung request
// cannot stall a poll for longer than a term could last.
func (e *Elector) attempt(ctx context.Context) (held, lost bool, err error) {
	actx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
	defer cancel()
	return e.tryAcquireOrRenew(actx)
}

func (e *Elector) observeLeader(identity string) {
	if prev := e.Leader(); prev != identity {
		e.leader.Store(&identity)
		e.log.Info("leader observed", "leader", identity, "previous", prev)
	}
}

// term is one term of leadership: its work and its renewals.
type term struct {
	e         *Elector
	runCtx    context.Context           // the caller's: done on shutdown
	lastRenew atomic.Pointer[time.Time] // when the last successful renewal started
	leading   atomic.Bool
	work      context.Context // the term's work context, set before the term is published
	done      chan struct{}   // closed when the work has returned
}

// renew renews the lease every RetryPeriod until the work's context ends,
// and ends it when another replica holds the lease.
func (t *term) renew(work context.Context, cancel context.CancelCauseFunc) {
	e := t.e
	tick := e.cfg.Clock.NewTicker(e.cfg.RetryPeriod)
	defer tick.Stop()
	for {
		select {
		case <-work.Done():
			return
		case <-tick.C():
		}
		start := e.cfg.Clock.Now()
		held, lost, err := e.attempt(work)
		switch {
		case held:
			t.lastRenew.Store(&start)
		case lost:
			e.log.Warn("another replica holds the lease; stopping work", "leader", e.Leader())
			cancel(errLeaseLost)
			return
		case err != nil && work.Err() == nil:
			e.log.Warn("could not renew the lease; the watchdog stops the work if this lasts", "err", err,
				"renew_deadline", e.cfg.RenewDeadline)
		}
	}
}

// lead runs the work for one term; work is cancelled on shutdown, on a lost
// lease and by the watchdog.
func (t *term) lead(work context.Context, cancel context.CancelCauseFunc) {
	defer close(t.done)
	defer cancel(nil)
	e := t.e
	t.leading.Store(true)
	stopFlag := context.AfterFunc(work, func() { t.leading.Store(false) })
	defer stopFlag()
	go t.watchdog(work, cancel)

	e.metrics.started()
	e.log.Info("started leading")
	e.cfg.OnStartedLeading(work)
	t.leading.Store(false)

	reason := "work_returned"
	switch cause := context.Cause(work); {
	case errors.Is(cause, errRenewOverdue):
		reason = "renew_overdue"
	case errors.Is(cause, errLeaseLost):
		reason = "lease_lost"
	case t.runCtx.Err() != nil:
		reason = "shutdown"
	}
	e.metrics.stopped(reason)
	e.log.Info("stopped leading", "reason", reason)
	if e.cfg.OnStoppedLeading != nil {
		e.cfg.OnStoppedLeading()
	}
}

// watchdog cancels the work once the last successful renewal is
// RenewDeadline old. The renewals cannot do it themselves: a request that
// hangs (a network partition) holds the renewal loop, while a follower may
// take the lease LeaseDuration after it last saw us renew, so the work must
// stop by itself, in time. It sleeps until that instant exactly rather than
// checking on a ticker: a check every RetryPeriod/4 stopped the work up to
// that long late, past the margin LeaseDuration − RenewDeadline when the
// margin is smaller (lease 11s, renew deadline 10s, retry period 8s).
func (t *term) watchdog(work context.Context, cancel context.CancelCauseFunc) {
	cfg := t.e.cfg
	for {
		last := *t.lastRenew.Load()
		if wait := last.Add(cfg.RenewDeadline).Sub(cfg.Clock.Now()); wait > 0 {
			if clock.Sleep(work, cfg.Clock, wait) != nil {
				return
			}
			continue // a renewal meanwhile moved the deadline
		}
		t.e.log.Warn("lease renewal overdue; stopping work before a follower may take over",
			"since_last_renewal", cfg.Clock.Now().Sub(last).Round(time.Millisecond), "renew_deadline", cfg.RenewDeadline)
		cancel(errRenewOverdue)
		return
	}
}
