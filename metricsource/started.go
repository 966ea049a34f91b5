package metricsource

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Count is one function's invocations over a window.
type Count struct {
	Ref provider.Ref
	N   float64
	// Late: some of the N were started while the function's counter was
	// missing from reads (TotalsDiff.Late of them or more): they are counted
	// when it is read again, and when, in the span it was missing, is not
	// known.
	Late bool
}

// StartedCounts is implemented by sources that can list the invocations
// started over a window without building an Activity. The keep-alive feeder
// reads only that, for every function, every step, from a source without
// StartedTotals (which it prefers: totals.go); an Activity's maps
// (started, in flight, one entry a function each) were most of what it
// cost (issue 12: the trace replay).
//
// The counts are exactly Activity(window).Started's entries, in no
// particular order, returned in buf's array when it is long enough (buf's
// contents are overwritten); the errors are those of reading them, which
// may be fewer than a whole Activity's (Prometheus: one query, not eight).
type StartedCounts interface {
	StartedCounts(ctx context.Context, window time.Duration, buf []Count) ([]Count, error)
}

// Started lists the invocations started over window per function: through
// StartedCounts when src has it, else from Activity's Started (see
// StartedCounts for buf).
func Started(ctx context.Context, src interface {
	Activity(ctx context.Context, window time.Duration) (Activity, error)
}, window time.Duration, buf []Count) ([]Count, error) {
	if s, ok := src.(StartedCounts); ok {
		return s.StartedCounts(ctx, window, buf)
	}
	act, err := src.Activity(ctx, window)
	if err != nil {
		return buf[:0], err
	}
	out := buf[:0]
	for ref, n := range act.Started {
		out = append(out, Count{Ref: ref, N: n})
	}
	return out, nil
}
