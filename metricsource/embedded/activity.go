package embedded

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Activity returns invocations started within window (started counter, or
// the invocation counter for functions without one), in-flight now (nil
// when the gateway does not export it), wakes from zero within the window
// (from the replica count), and whether successful scrapes cover the window
// with no gap over 2.5×Interval.
func (s *Source) Activity(_ context.Context, window time.Duration) (metricsource.Activity, error) {
	return s.activity(window, nil, true)
}

// ActivityFor is Activity with only refs' entries (metricsource.SubsetActivity):
// the idler asks for each keep-alive window about the functions that have
// it, and a cycle had cost one pass over every function per window.
func (s *Source) ActivityFor(_ context.Context, window time.Duration, refs []provider.Ref) (metricsource.Activity, error) {
	return s.activity(window, refs, false)
}

// StartedCounts is Activity's Started without the rest
// (metricsource.StartedCounts): the keep-alive feeder's read.
func (s *Source) StartedCounts(_ context.Context, window time.Duration, buf []metricsource.Count) ([]metricsource.Count, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, from, to, err := s.activitySpan(window)
	if err != nil {
		return buf[:0], err
	}
	out := buf[:0]
	// From store.all, fns' entries as a slice (in no particular order, as
	// the counts are): ranging over the map cost a fourth of the read.
	for _, e := range s.st.all {
		if n, ok := e.fn.startedIn(from, to); ok {
			out = append(out, metricsource.Count{Ref: e.ref, N: n})
		}
	}
	return out, nil
}

// activitySpan validates an activity window (raising retention to cover
// it) and returns now and the span of scrapes it covers, or the error an
// activity query answers. The caller holds s.mu for writing.
func (s *Source) activitySpan(window time.Duration) (now time.Time, from, to int64, err error) {
	now = s.clock.Now()
	if err := s.window(now, window); err != nil {
		return now, 0, 0, fmt.Errorf("activity: %w", err)
	}
	if from, to, err = s.fresh(now, window); err != nil {
		return now, 0, 0, fmt.Errorf("activity over %s: %w", window, err)
	}
	return now, from, to, nil
}

// span is what each function's part of an activity answer is read over
// (function.activity), in Unix nanoseconds.
type span struct {
	from, to int64 // the scrapes the starts are counted between
	since    int64 // the earliest wake reported
	seenFrom int64 // a series missing at to and seen after it vanished
}

// activityHead opens an activity answer over window: its window and
// coverage (no maps), and the span its parts are read over. The caller
// holds s.mu for writing.
func (s *Source) activityHead(window time.Duration) (act metricsource.Activity, sp span, err error) {
	now, from, to, err := s.activitySpan(window)
	if err != nil {
		return act, sp, err
	}
	// Bounded as the Prometheus source bounds it (metricsource.GapBound:
	// never more than a third of the window): with maxGap alone a missed
	// scrape left 90 % of a 10 s window unseen and read "covered, nothing
	// started" for a function called after the last scrape.
	act = metricsource.Activity{Window: window, Uncovered: s.st.covered(now, window, metricsource.GapBound(window, s.maxGap()))}
	act.Covered = act.Uncovered == ""
	sp = span{from: from, to: to, since: now.UnixNano() - window.Nanoseconds(),
		seenFrom: to - metricsource.VanishLookback(window).Nanoseconds()}
	return act, sp, nil
}

// activity answers over every function (all) or over refs.
func (s *Source) activity(window time.Duration, refs []provider.Ref, all bool) (metricsource.Activity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	act, sp, err := s.activityHead(window)
	if err != nil {
		return metricsource.Activity{}, err
	}
	n := len(refs)
	if all {
		n = len(s.st.fns)
	}
	act.Started = make(metricsource.Values, n)
	if s.st.sawInflight {
		act.Inflight = make(metricsource.Values, n) // sized once, not regrown as it fills
	}
	if all {
		for ref, fn := range s.st.fns {
			add(&act, ref, fn.activity(sp))
		}
		return act, nil
	}
	for _, ref := range refs {
		if fn := s.st.fns[ref]; fn != nil {
			add(&act, ref, fn.activity(sp))
		}
	}
	return act, nil
}

// ActivityInto is ActivityFor into an array in refs' order
// (metricsource.AlignedActivity): the same parts, without the maps.
func (s *Source) ActivityInto(_ context.Context, window time.Duration, refs []provider.Ref, out []metricsource.FunctionActivity) (metricsource.Activity, []metricsource.FunctionActivity, error) {
	out = slices.Grow(out[:0], len(refs))[:len(refs)]
	clear(out)
	s.mu.Lock()
	defer s.mu.Unlock()
	act, sp, err := s.activityHead(window)
	if err != nil {
		return metricsource.Activity{}, out, err
	}
	for i, ref := range refs {
		if fn := s.st.fns[ref]; fn != nil {
			out[i] = fn.activity(sp)
		}
	}
	return act, out, nil
}

// add sets ref's entries of a (whose maps activity made) from e.
func add(a *metricsource.Activity, ref provider.Ref, e metricsource.FunctionActivity) {
	if e.HasStarted {
		a.Started[ref] = e.Started
	}
	if e.HasInflight {
		if a.Inflight == nil {
			a.Inflight = metricsource.Values{} // no gauge: in flight from the counters
		}
		a.Inflight[ref] = e.Inflight
	}
	if !e.Woken.IsZero() {
		if a.Woken == nil {
			a.Woken = map[provider.Ref]time.Time{}
		}
		a.Woken[ref] = e.Woken
	}
	if e.Vanished {
		if a.Vanished == nil {
			a.Vanished = map[provider.Ref]bool{}
		}
		a.Vanished[ref] = true
	}
}

// activity is fn's part of an activity answer over sp: its invocations
// started in (from, to], in flight at to, woken since since, or vanished:
// missing at to after being seen since seenFrom (to − metricsource.
// VanishLookback of the window), as the Prometheus source and the idler's
// own memory bound it. Any counter still in the history once made the function vanished:
// for the whole retention (30 minutes, or hours with a long keep-alive),
// so after a gateway restart a function not called since stayed
// "missing data" that long instead of one lookback.
func (fn *function) activity(sp span) metricsource.FunctionActivity {
	from, to, since, seenFrom := sp.from, sp.to, sp.since, sp.seenFrom
	var inflight float64
	var hasInflight bool
	// The counters at to, for an in-flight count without the gauge.
	var started, ended float64
	var hasStartedNow bool
	// A counter seen before (it is still in the history) but missing
	// from the latest scrape, with no counter of its group (gateway
	// replica, groups.go) in it: vanished, so unknown rather than "never
	// invoked". Per group, not per function: a page merging two replicas
	// that lost one's series read the function covered and idle while its
	// calls went through that replica (a review's finding). gone lists the
	// groups with a counter gone (nil: none, most functions).
	var gone []string
	var woke int64
	for i := range fn.series {
		ser := &fn.series[i]
		if ser.key.kind == kindReplicas {
			if t, ok := ser.wokenAt(since, to); ok {
				woke = max(woke, t)
			}
			continue
		}
		if ser.key.kind == kindTotal || ser.key.kind == kindStarted {
			if v, ok := ser.at(to); ok {
				if ser.key.kind == kindStarted {
					started, hasStartedNow = started+v, true
				} else {
					ended += v
					if fn.fallsBack(ser) {
						started += v // a replica without the started counter: none in flight known
					}
				}
			} else if i := ser.after(to); i > 0 && ser.pts[i-1].absent() && ser.pts[i-1].t > seenFrom {
				// Present until the scrape that found it missing, within
				// the lookback.
				if !slices.Contains(gone, ser.key.inst) {
					gone = append(gone, ser.key.inst)
				}
			}
		}
		if ser.key.kind == kindInflight {
			if v, ok := ser.at(to); ok {
				inflight += v
				hasInflight = true
			}
		}
	}
	var e metricsource.FunctionActivity
	if started, ok := fn.startedIn(from, to); ok {
		e.Started, e.HasStarted = started, true
	}
	if !hasInflight && hasStartedNow {
		inflight, hasInflight = metricsource.DerivedInflight(started, ended), true // no gauge: from the counters
	}
	e.Inflight, e.HasInflight = inflight, hasInflight
	if woke != 0 {
		e.Woken = time.Unix(0, woke)
	}
	e.Vanished = fn.anyGroupGone(gone, to)
	return e
}

// anyGroupGone: of the groups gone (each with a counter gone), one has no
// counter at to.
func (fn *function) anyGroupGone(gone []string, to int64) bool {
	for _, g := range gone {
		here := false
		for i := range fn.series {
			if ser := &fn.series[i]; ser.key.inst == g && (ser.key.kind == kindTotal || ser.key.kind == kindStarted) {
				if _, ok := ser.at(to); ok {
					here = true
					break
				}
			}
		}
		if !here {
			return true
		}
	}
	return false
}

// startedIn is fn's invocations started in (from, to]: the started
// counter's increase, or without one the invocation counter's, summed over
// the function's series of it (codes, names); ok when any was present. The
// fallback is per gateway replica (groups.go): a replica without the
// started counter has its invocation counter read.
func (fn *function) startedIn(from, to int64) (float64, bool) {
	if !fn.hasStarted {
		return fn.sumIncrease(kindTotal, from, to)
	}
	if !fn.fallsBackAny() {
		return fn.sumIncrease(kindStarted, from, to)
	}
	var sum float64
	var present bool
	for i := range fn.series {
		if ser := &fn.series[i]; ser.key.kind == kindStarted || fn.fallsBack(ser) {
			inc, ok := ser.increase(from, to)
			sum += inc
			present = present || ok
		}
	}
	return sum, present
}

// LastActivity returns the time of the scrape at which ref's started counter
// (or, without one, its invocation counter) last increased; false when that
// was never seen within the retained history.
func (s *Source) LastActivity(ref provider.Ref) (time.Time, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn := s.st.fns[ref]
	if fn == nil {
		return time.Time{}, false
	}
	t := fn.lastTotal
	if fn.hasStarted {
		t = fn.lastStarted
	}
	if t == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, t), true
}
