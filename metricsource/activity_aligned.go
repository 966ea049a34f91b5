package metricsource

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// FunctionActivity is one function's part of an Activity: what its maps
// hold for it.
type FunctionActivity struct {
	Started, Inflight, Queued          float64
	HasStarted, HasInflight, HasQueued bool
	Vanished                           bool
	Woken                              time.Time // zero: not woken within the window
}

// Of is ref's part of act.
func (act Activity) Of(ref provider.Ref) FunctionActivity {
	var e FunctionActivity
	e.Started, e.HasStarted = act.Started[ref]
	if act.Inflight != nil {
		e.Inflight, e.HasInflight = act.Inflight[ref]
	}
	if act.Queued != nil {
		e.Queued, e.HasQueued = act.Queued[ref]
	}
	e.Vanished = act.Vanished[ref]
	e.Woken = act.Woken[ref]
	return e
}

// AlignedActivity is implemented by sources that answer ActivityFor into
// an array in the refs' order instead of maps: the idler asks about the
// functions of each keep-alive window every cycle, and the maps, built for
// the answer and read back once per function, were half of its cost.
type AlignedActivity interface {
	// ActivityInto is ActivityFor with refs[i]'s part in out[i] (out
	// resized to len(refs), its array reused when large enough): the
	// Activity returned holds Window, Covered and Uncovered, and nil maps.
	ActivityInto(ctx context.Context, window time.Duration, refs []provider.Ref, out []FunctionActivity) (Activity, []FunctionActivity, error)
}

// ActivityAligned asks src for refs' activity over window with each ref's
// part at its index of the array returned (out's when large enough):
// through AlignedActivity when src has it, else ActivityFor and Of.
func ActivityAligned(ctx context.Context, src interface {
	Activity(ctx context.Context, window time.Duration) (Activity, error)
}, window time.Duration, refs []provider.Ref, out []FunctionActivity) (Activity, []FunctionActivity, error) {
	if s, ok := src.(AlignedActivity); ok {
		act, out, err := s.ActivityInto(ctx, window, refs, out)
		if err == nil && len(out) != len(refs) {
			// Never a part read as another function's, nor an index past the end.
			err = fmt.Errorf("activity over %s: the source answered %d parts for %d functions", window, len(out), len(refs))
		}
		return act, out, err
	}
	out = slices.Grow(out[:0], len(refs))[:len(refs)]
	act, err := ActivityFor(ctx, src, window, refs)
	if err != nil {
		clear(out)
		return act, out, err
	}
	for i, ref := range refs {
		out[i] = act.Of(ref)
	}
	return act, out, nil
}
