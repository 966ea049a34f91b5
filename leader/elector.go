package leader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Why a term of leadership ended, as context causes and metric labels.
var (
	errShutdown     = errors.New("shutting down")
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
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Elector{cfg: cfg, log: log.With("lease", cfg.Namespace+"/"+cfg.LeaseName, "identity", cfg.Identity), metrics: m}, nil
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
	return t != nil && t.leading.Load()
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
// lost) it stands again. On ctx done it stops the work, waits for it to
// return, releases the lease so a follower takes over at once, and returns
// nil.
func (e *Elector) Run(ctx context.Context) error {
	// client-go's leaderelection logs through klog's context logger.
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(e.log.Handler()))
	for ctx.Err() == nil {
		if err := e.runTerm(ctx); err != nil {
			return err
		}
	}
	return nil
}

// runTerm is one client-go election: acquire, lead, stop.
func (e *Elector) runTerm(ctx context.Context) error {
	// electCtx ends this election; lead cancels it when the work returns by
	// itself, so the lease is released rather than held by idle hands.
	electCtx, stopElecting := context.WithCancel(ctx)
	defer stopElecting()
	t := &term{e: e, runCtx: ctx, stopElecting: stopElecting, done: make(chan struct{})}
	e.current.Store(t)
	defer e.current.Store(nil)

	lock := &guardedLock{
		Interface: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: e.cfg.Namespace, Name: e.cfg.LeaseName},
			Client:     e.cfg.Client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: e.cfg.Identity},
		},
		t: t,
	}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   e.cfg.LeaseDuration,
		RenewDeadline:   e.cfg.RenewDeadline,
		RetryPeriod:     e.cfg.RetryPeriod,
		ReleaseOnCancel: true, // a clean shutdown hands over at once, not after LeaseDuration
		Name:            e.cfg.LeaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: t.lead,
			OnStoppedLeading: func() {},
			OnNewLeader:      e.observeLeader,
		},
	})
	if err != nil {
		return err
	}
	le.Run(electCtx)
	// client-go may still be about to start OnStartedLeading in its own
	// goroutine; stopWork makes that a no-op, or waits for a running one.
	t.stopWork(nil)
	return nil
}

func (e *Elector) observeLeader(identity string) {
	if prev := e.Leader(); prev != identity {
		e.leader.Store(&identity)
		e.log.Info("leader observed", "leader", identity, "previous", prev)
	}
}

// term is one attempt at leadership and, if won, its work.
type term struct {
	e            *Elector
	runCtx       context.Context           // the caller's: done on shutdown
	stopElecting context.CancelFunc        // ends the election (and releases the lease)
	lastRenew    atomic.Pointer[time.Time] // when the last successful renewal started
	leading      atomic.Bool

	mu       sync.Mutex
	stopping bool
	running  bool
	cancel   context.CancelCauseFunc
	done     chan struct{} // closed when the work returned; only if running
}

// lead runs the work for one term. leCtx is client-go's (cancelled when
// renewal fails); t.runCtx is the caller's (cancelled on shutdown).
func (t *term) lead(leCtx context.Context) {
	t.mu.Lock()
	if t.stopping {
		t.mu.Unlock()
		return
	}
	work, cancel := context.WithCancelCause(leCtx)
	t.cancel, t.running = cancel, true
	t.mu.Unlock()
	defer close(t.done)
	defer cancel(nil)

	stopOnShutdown := context.AfterFunc(t.runCtx, func() { cancel(errShutdown) })
	defer stopOnShutdown()
	t.leading.Store(true)
	stopFlag := context.AfterFunc(work, func() { t.leading.Store(false) })
	defer stopFlag()
	go t.watchdog(work, cancel)

	e := t.e
	e.metrics.started()
	e.log.Info("started leading")
	e.cfg.OnStartedLeading(work)
	t.leading.Store(false)

	reason := "lease_lost" // client-go cancelled leCtx: renewal failed
	switch cause := context.Cause(work); {
	case errors.Is(cause, errRenewOverdue):
		reason = "renew_overdue"
	case t.runCtx.Err() != nil || errors.Is(cause, errShutdown):
		// leCtx derives from runCtx, so on shutdown the work may see the
		// parent's plain Canceled before our errShutdown.
		reason = "shutdown"
	case work.Err() == nil:
		reason = "work_returned"
	}
	e.metrics.stopped(reason)
	e.log.Info("stopped leading", "reason", reason)
	if reason == "work_returned" {
		// Hand the lease over instead of renewing it with nothing running;
		// Run stands again, so the work restarts if we win again.
		t.stopElecting()
	}
	if e.cfg.OnStoppedLeading != nil {
		e.cfg.OnStoppedLeading()
	}
}

// watchdog cancels the work once the last successful renewal is older than
// RenewDeadline. client-go gives up renewing at about that point too, but
// then spends up to another RenewDeadline trying to release the lease before
// it cancels the work; a follower may take the lease LeaseDuration after our
// last renewal, so the work must stop by itself, in time.
func (t *term) watchdog(work context.Context, cancel context.CancelCauseFunc) {
	cfg := t.e.cfg
	tick := cfg.Clock.NewTicker(max(cfg.RetryPeriod/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-work.Done():
			return
		case now := <-tick.C():
			last := t.lastRenew.Load()
			if last == nil {
				continue // not reachable: lead starts only after a renewal
			}
			if age := now.Sub(*last); age > cfg.RenewDeadline {
				t.e.log.Warn("lease renewal overdue; stopping work before a follower may take over",
					"since_last_renewal", age.Round(time.Millisecond), "renew_deadline", cfg.RenewDeadline)
				cancel(errRenewOverdue)
				return
			}
		}
	}
}

// stopWork prevents the term's work from starting, or cancels it and waits
// for it to return.
func (t *term) stopWork(cause error) {
	t.mu.Lock()
	t.stopping = true
	cancel, running := t.cancel, t.running
	t.mu.Unlock()
	if cancel != nil {
		cancel(cause)
	}
	if running {
		<-t.done
	}
}

// guardedLock is the LeaseLock with two hooks client-go does not offer: it
// records when each successful renewal started (for the watchdog), and it
// stops the work before the lease is released (client-go releases first and
// cancels the work after, which would let a follower act while we still do).
type guardedLock struct {
	resourcelock.Interface
	t *term
}

func (l *guardedLock) Create(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	start := l.t.e.cfg.Clock.Now()
	err := l.Interface.Create(ctx, rec)
	if err == nil && rec.HolderIdentity == l.Identity() {
		l.t.lastRenew.Store(&start)
	}
	return err
}

func (l *guardedLock) Update(ctx context.Context, rec resourcelock.LeaderElectionRecord) error {
	if rec.HolderIdentity == "" {
		// client-go's release (ReleaseOnCancel) writes an empty holder, on
		// shutdown or after a failed renewal.
		cause := errLeaseLost
		if l.t.runCtx.Err() != nil {
			cause = errShutdown
		}
		l.t.stopWork(cause)
	}
	start := l.t.e.cfg.Clock.Now()
	err := l.Interface.Update(ctx, rec)
	if err == nil && rec.HolderIdentity == l.Identity() {
		l.t.lastRenew.Store(&start)
	}
	return err
}
