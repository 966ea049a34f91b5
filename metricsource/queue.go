package metricsource

import (
	"context"
	"fmt"
	"time"
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
func WithQueue(base Source, q QueueReader) Source {
	return &withQueue{base: base, q: q}
}

type withQueue struct {
	base Source
	q    QueueReader
}

func (w *withQueue) Load(ctx context.Context, lq LoadQuery) (Values, error) {
	if lq.Type != TypeQueue {
		return w.base.Load(ctx, lq)
	}
	return w.queued(ctx)
}

func (w *withQueue) Activity(ctx context.Context, window time.Duration) (Activity, error) {
	act, err := w.base.Activity(ctx, window)
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

func (w *withQueue) queued(ctx context.Context) (Values, error) {
	v, err := w.q.Queued(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: queue: %w", ErrUnavailable, err)
	}
	return v, nil
}
