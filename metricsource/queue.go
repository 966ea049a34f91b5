package metricsource

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/flight"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// QueueReader reads the asynchronous backlog of every function at once from
// the queue itself (NATS JetStream), for deployments whose queue worker does
// not export per-function metrics. Values are messages not yet acknowledged:
// waiting plus in flight. A function without a consumer is absent.
type QueueReader interface {
	Queued(ctx context.Context) (Values, error)
}

// WithQueue is a Source that takes the queue load from q and everything else
// from base: Load of TypeQueue (any window: a queue reading is a level now,
// not an average) and Activity's Queued. A failed queue read wraps
// ErrUnavailable, so the scaler keeps queue functions as they are and the
// idler idles nothing (it cannot prove that no work is waiting).
//
// A reading younger than reuse (by now, the caller's clock) answers again,
// so that one scaler pass, which asks for its stable and burst windows and
// the backlog of functions at zero, makes one request to the queue, not
// three. A failed read is reused the same way, as the same failure
// (ErrUnavailable, never an empty backlog): a NATS that does not answer
// costs a pass one --nats-timeout, not one per question. Only a read cut
// short by its caller's own context is not kept: that says nothing of the
// queue, and another caller would be told its context's error.
//
// When base reads StartedTotals, so does the result (through base's): the
// keep-alive feeder's read needs no queue depth.
func WithQueue(base Source, q QueueReader, reuse time.Duration, now func() time.Time) Source {
	w := &withQueue{base: base, q: q, reuse: reuse, now: now}
	if t, ok := base.(StartedTotals); ok {
		return &withQueueTotals{withQueue: w, totals: t}
	}
	return w
}

// withQueueTotals is a withQueue over a base with StartedTotals, which a
// method on withQueue itself would claim for every base.
type withQueueTotals struct {
	*withQueue
	totals StartedTotals
}

func (w *withQueueTotals) StartedTotals(ctx context.Context, at time.Time, buf []Total) ([]Total, error) {
	return w.totals.StartedTotals(ctx, at, buf)
}

type withQueue struct {
	base  Source
	q     QueueReader
	reuse time.Duration
	now   func() time.Time

	mu      sync.Mutex
	last    Values
	lastErr error // the last read's failure, ErrUnavailable-wrapped; last is nil then
	at      time.Time
	reads   flight.Group[Values] // concurrent callers share one read
}

func (w *withQueue) Load(ctx context.Context, lq LoadQuery) (Values, error) {
	if lq.Type != TypeQueue {
		return w.base.Load(ctx, lq)
	}
	return w.queued(ctx)
}

// LoadFor is Load for refs (SubsetLoad), through base's when it has one.
func (w *withQueue) LoadFor(ctx context.Context, lq LoadQuery, refs []provider.Ref) (Values, error) {
	if lq.Type != TypeQueue {
		return LoadFor(ctx, w.base, lq, refs)
	}
	return w.queued(ctx)
}

// LoadParts is LoadFor with the parts (PartedLoad), through base's when it
// has one: a capacity reading's part is the base's, and hiding it would
// leave the scaler's reason and the explain API's part unknown for every
// capacity function as soon as the queue wraps the source. The queue type
// has no parts.
func (w *withQueue) LoadParts(ctx context.Context, lq LoadQuery, refs []provider.Ref) (Values, Parts, error) {
	if lq.Type != TypeQueue {
		return LoadParts(ctx, w.base, lq, refs)
	}
	v, err := w.queued(ctx)
	return v, nil, err
}

func (w *withQueue) Activity(ctx context.Context, window time.Duration) (Activity, error) {
	act, err := w.base.Activity(ctx, window)
	return w.addQueued(ctx, window, act, err)
}

// ActivityFor is Activity for refs (SubsetActivity), through base's when it
// has one.
func (w *withQueue) ActivityFor(ctx context.Context, window time.Duration, refs []provider.Ref) (Activity, error) {
	act, err := ActivityFor(ctx, w.base, window, refs)
	return w.addQueued(ctx, window, act, err)
}

// StartedCounts is the base's invocation counts (StartedCounts), through
// its own when it has one: the keep-alive feeder's read needs no queue
// depth. Without it the feeder fell back to a whole Activity every step:
// every one of the base's queries and a read of the queue, and a queue
// that did not answer lost the step's calls.
func (w *withQueue) StartedCounts(ctx context.Context, window time.Duration, buf []Count) ([]Count, error) {
	return Started(ctx, w.base, window, buf)
}

// BoundsItsCalls says whether both the base and the queue bound their
// calls themselves (metricsource.Bounded): a read is the base's, then the
// queue's.
func (w *withQueue) BoundsItsCalls() bool { return BoundsItsCalls(w.base) && BoundsItsCalls(w.q) }

// addQueued completes the base's answer with the queue's depths.
func (w *withQueue) addQueued(ctx context.Context, window time.Duration, act Activity, err error) (Activity, error) {
	if err != nil {
		return act, err
	}
	q, err := w.queued(ctx)
	if err != nil {
		return Activity{}, fmt.Errorf("activity over %s: %w", window, err)
	}
	act.Queued = q
	return act, nil
}

// queued reads the queue, or reuses a fresh reading or failure.
// Concurrent callers share one read (flight), each waiting as long as its
// own context lets it: they waited on the lock held over the read, deaf to
// their contexts, so a pass cancelled by shutdown or a lost term sat out
// another caller's read of a NATS that did not answer (up to
// --nats-timeout; a review's finding). A read's time is when it ended: a
// read that waited out its timeout is as fresh as its answer.
func (w *withQueue) queued(ctx context.Context) (Values, error) {
	if v, err, ok := w.fresh(); ok {
		return v, err
	}
	v, err := w.reads.Do(ctx, func(ctx context.Context) (Values, error) {
		if v, err, ok := w.fresh(); ok { // read by a call that ended just before
			return v, err
		}
		return w.read(ctx)
	})
	if err != nil && !errors.Is(err, ErrUnavailable) {
		// Not read's (it wraps its own): this caller's context ended while
		// it waited for another's read.
		err = fmt.Errorf("%w: queue: %w", ErrUnavailable, err)
	}
	return v, err
}

// fresh is the last reading or failure while it may be reused.
func (w *withQueue) fresh() (Values, error, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if (w.last != nil || w.lastErr != nil) && w.reuse > 0 && w.now().Sub(w.at) < w.reuse {
		return w.last, w.lastErr, true
	}
	return nil, nil, false
}

// read reads the queue and keeps what it got for reuse (a failure only
// when the caller's context did not end: that is no answer about NATS).
func (w *withQueue) read(ctx context.Context) (Values, error) {
	v, err := w.q.Queued(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("%w: queue: %w", ErrUnavailable, err)
		w.last, w.lastErr = nil, nil
		if ctx.Err() == nil {
			w.lastErr, w.at = err, w.now()
		}
		return nil, err
	}
	w.last, w.lastErr, w.at = v, nil, w.now()
	return v, nil
}

// LastScrape is the base source's (ScrapeClock): the queue's readings are
// read when asked and have no scrape of their own. A base that does not
// tell answers an unknown Scrape.
func (w *withQueue) LastScrape(ctx context.Context) (Scrape, error) {
	s, _, err := LastScrape(ctx, w.base)
	return s, err
}

// ShortestCoveredWindow is the base source's (CoveredWindow): activity is
// the base's.
func (w *withQueue) ShortestCoveredWindow() time.Duration {
	return ShortestCoveredWindow(w.base)
}

// DownGateways is the base source's (LowerBounds): rps and capacity are
// the base's readings, and so are their lower bounds. A base that cannot
// tell answers none.
func (w *withQueue) DownGateways(ctx context.Context, lookback time.Duration) ([]string, error) {
	return DownGateways(ctx, w.base, lookback)
}
