package reaction

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// Sample is the function's replica counts at one moment, as the provider
// holds them.
type Sample struct {
	At        time.Time
	Desired   uint64
	Available uint64
}

// Phase is one load step and what followed it.
type Phase struct {
	Step time.Time
	// End is when the next phase's step came (zero: none came). Calls from
	// then on are the next phase's: without it a way up that never reached
	// its need read as reached by a call made after the load stopped.
	End time.Time
	// Need is the replica count the new load needs (ceil(load/target) going
	// up, the minimum going down).
	Need    uint64
	Up      bool
	Samples []Sample
	Calls   []memory.ScaleCall
}

// Timings are the reaction times of one phase; NotReached (-1) when the
// event did not happen before the phase ended.
type Timings struct {
	// NotMeasured: the phase had nothing to measure, every time
	// NotReached (a way down that started at the need: see wayDownMeasured).
	// Such a run is left out of the medians and listed, where a run that
	// did not get there counts as slower than every run that did.
	NotMeasured bool
	// FirstCall: step → the first scale call in the step's direction.
	FirstCall time.Duration
	// Requested: step → desired replicas reach the need.
	Requested time.Duration
	// Ready: step → available replicas reach the need (up: available
	// capacity ≥ load; down: the surplus replicas are gone).
	Ready time.Duration
}

// NotReached marks an event that did not happen.
const NotReached = time.Duration(-1)

// Measure derives a phase's timings from the provider's scale calls (exact
// times) and the polled samples (for availability, which no call marks).
func Measure(p Phase) Timings {
	t := Timings{FirstCall: NotReached, Requested: NotReached, Ready: NotReached}
	if !p.Up && !wayDownMeasured(p) {
		t.NotMeasured = true
		return t
	}
	toward := func(c memory.ScaleCall) bool {
		if p.Up {
			return c.To > c.From
		}
		return c.To < c.From
	}
	reached := func(n uint64) bool {
		if p.Up {
			return n >= p.Need
		}
		return n <= p.Need
	}
	for _, c := range p.Calls {
		if c.Err != nil || c.At.Before(p.Step) || !p.End.IsZero() && !c.At.Before(p.End) || !toward(c) {
			continue
		}
		if t.FirstCall == NotReached {
			t.FirstCall = c.At.Sub(p.Step)
		}
		if t.Requested == NotReached && reached(c.To) {
			t.Requested = c.At.Sub(p.Step)
		}
	}
	for _, s := range p.Samples {
		if !s.At.Before(p.Step) && reached(s.Available) {
			t.Ready = s.At.Sub(p.Step)
			break
		}
	}
	return t
}

// wayDownMeasured is false for a down phase whose first sample after the
// step holds nothing above the need: its way up never left the need
// (runOnce steps the load down after upTimeout whether or not capacity
// came), so there is no way down to time. Read as one, it is "back at the
// need" at the first sample with a surplus of 0, the best figure a run can
// have, given to a run whose controller did not scale at all (a review's
// finding). No sample after the step is not this: that run never got back.
func wayDownMeasured(p Phase) bool {
	for _, s := range p.Samples {
		if !s.At.Before(p.Step) {
			return max(s.Desired, s.Available) > p.Need
		}
	}
	return true
}

// Median of the runs, a run that did not reach the event counting as slower
// than every run that did (it is censored at the timeout, not missing):
// NotReached when the middle run(s) did not reach it. Leaving such runs out
// would flatter the setting that missed.
func Median(ds []time.Duration) time.Duration {
	m, ok := censoredMedian(ds, func(d time.Duration) bool { return d == NotReached })
	if !ok {
		return NotReached
	}
	return m
}

// censoredMedian is the median of xs with the values censored(x) counted
// as larger than every other value; ok is false when xs is empty or a
// middle value is censored.
func censoredMedian[T time.Duration | float64](xs []T, censored func(T) bool) (m T, ok bool) {
	if len(xs) == 0 {
		return m, false
	}
	sorted := slices.Clone(xs)
	slices.SortFunc(sorted, func(a, b T) int {
		ca, cb := censored(a), censored(b)
		switch {
		case ca && cb:
			return 0
		case ca:
			return 1
		case cb:
			return -1
		}
		return cmp.Compare(a, b)
	})
	n := len(sorted)
	lo, hi := sorted[(n-1)/2], sorted[n/2]
	if censored(lo) || censored(hi) {
		return m, false
	}
	return (lo + hi) / 2, true
}

// Ratio is how many times faster fast is than slow; NaN when either is
// missing.
func Ratio(slow, fast time.Duration) float64 {
	if slow == NotReached || fast == NotReached || fast <= 0 {
		return math.NaN()
	}
	return float64(slow) / float64(fast)
}
