package keepalive

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The fill of older history after a shortened rebuild. RebuildWithin reads
// only the most recent span of the lookback that fits in
// keep_alive.rebuild_timeout (at 10,000 functions with a day held, the last
// three or four hours in 30 s): the idle times of the hours before it, the
// ones a rare function is planned on, were lost at every restart. The fill
// reads them afterwards, beside the feeder and the loops: newest span first,
// each span a RebuildWithin of its own into a scratch policy (within the
// same bound, so a span is what one restart's rebuild reads), whose idle
// times it then puts before each function's own, as the older ones they
// are, with the idle time that joins the two: from the function's last call
// in the span to its first call after it. That first call is kept per
// function (firsts) from the shortened rebuild on, for as long as the fill
// may still need it; a function called only in older spans is learned from
// them whole, its last call there.
//
// Only a fleet whose parts are read in one answer (at most
// rebuildShardSeries series) is filled: above it the fill would hold a
// first call per function (megabytes at 100,000) and read Prometheus for
// tens of minutes beside the loops' own queries.

// firstCall is a function's first call since firstsFrom: its step's start,
// its length (0 for a call seen exactly, Observe) and how many calls it
// held, so that the idle time before it ends where ObserveCount would have
// ended it (firstOfStep).
type firstCall struct {
	start time.Time
	step  time.Duration
	n     int
}

// noteFirst keeps ref's first call while firsts are kept (trackFirsts),
// unless activity was unknown since firstsFrom (Unknown): then no idle time
// older than the call can be learned. mu is held.
func (p *Policy) noteFirst(ref provider.Ref, start time.Time, step time.Duration, n int) {
	if p.firsts == nil || p.unknownTo.After(p.firstsFrom) {
		return
	}
	p.firsts[ref] = firstCall{start: start, step: step, n: n}
}

// trackFirsts starts keeping each function's first call from from on.
func (p *Policy) trackFirsts(from time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.firsts, p.firstsFrom = map[provider.Ref]firstCall{}, from
}

// stopFirsts drops the first calls kept.
func (p *Policy) stopFirsts() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.firsts = nil
}

// Fills says whether the last rebuild was shortened on a fleet the fill
// reads, Prometheus' history not beginning inside the span it read
// (FillRebuild has something to do).
func (p *Policy) Fills() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firsts != nil
}

// FillReport says what FillRebuild read.
type FillReport struct {
	// From is how far back the history is learned after it: the lookback's
	// start when it read all of it, else the start of the oldest span
	// read (zero: none was).
	From time.Time
	// Spans is how many spans it read, Functions how many functions were
	// called in them, and IdleTimes how many older idle times it added
	// (Dropped: those a history full of newer ones had no room for).
	Spans, Functions, IdleTimes, Dropped int
	// HistoryFrom is where Prometheus' history of the gateway begins, when
	// a span found it (RebuildReport.HistoryFrom): nothing before it is read.
	HistoryFrom time.Time
}

// FillRebuild reads the lookback's history from from up to to, the start
// of the span a shortened rebuild read (RebuildReport.From), newest span
// first, each span a RebuildWithin bounded by bound, and puts what each
// teaches before what the policy learned since (see above). It stops at
// from, at the first span that fails (its error; the spans before it stay
// learned), or where Prometheus' history begins, and stops keeping first
// calls when it returns. Without a shortened rebuild of a fleet read in one
// answer before it (Fills), it does nothing.
func (p *Policy) FillRebuild(ctx context.Context, q RangeQuerier, from, to time.Time, step, bound time.Duration, defaultNamespace string, clock func() time.Time) (FillReport, error) {
	defer p.stopFirsts()
	var rep FillReport
	if !p.Fills() {
		return rep, nil
	}
	if step > 0 {
		// On the steps the rebuild read, which end at its now (to is one
		// of them), from rounded back as the rebuild rounds its lookback:
		// the fill then stops where a whole rebuild's first step is.
		from = to.Add(-wholeSteps(to.Sub(from), step))
	}
	for end := to; end.Sub(from) >= step; {
		span, err := New(p.cfgCopy())
		if err != nil {
			return rep, err
		}
		sctx, cancel := context.WithTimeout(ctx, bound)
		srep, err := span.rebuild(sctx, q, end, end.Sub(from), step, defaultNamespace, clock, true)
		cancel()
		if err != nil {
			return rep, fmt.Errorf("keepalive: fill of the history before %s: %w", end.UTC().Format(time.RFC3339), err)
		}
		next := srep.From
		if next.IsZero() {
			next = from
		}
		if !next.Before(end) {
			// Parts of one step and time for one: the span is its own
			// baseline, and the next would be the same.
			return rep, fmt.Errorf("keepalive: fill of the history before %s: no span of it fits in %s", end.UTC().Format(time.RFC3339), bound)
		}
		rep.Spans++
		rep.Functions += srep.Functions
		added, dropped := p.prepend(span)
		p.noteLearnedFrom(later(next, srep.HistoryFrom))
		rep.IdleTimes += added
		rep.Dropped += dropped
		end, rep.From = next, next
		if !srep.HistoryFrom.IsZero() {
			rep.HistoryFrom = srep.HistoryFrom
			break
		}
	}
	return rep, nil
}

// prepend puts what span (a scratch policy that learned the span just
// before everything p knows) learned before p's own histories: per
// function its idle times, then the one from its last call in the span to
// its first after it (p.firsts), in as much room as each history has left
// (newest kept); a function p never saw called takes the span's history
// whole. It then keeps the span's first calls as the functions' first.
// It returns how many idle times it added and how many had no room.
func (p *Policy) prepend(span *Policy) (added, dropped int) {
	span.mu.Lock()
	defer span.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	// In the functions' order, not the map's: under the budget of idle
	// times which histories take room depends on it, and a restart should
	// learn what the one before it learned from the same history.
	refs := make([]provider.Ref, 0, len(span.fns))
	for ref, older := range span.fns {
		if older.seen {
			refs = append(refs, ref)
		}
	}
	slices.SortFunc(refs, func(a, b provider.Ref) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	for _, ref := range refs {
		older := span.fns[ref]
		h := p.get(ref)
		its := arrivalOrder(older)
		if f, ok := p.firsts[ref]; ok && h.seen && !older.lastLate && endsIdleTime(older.last, older.tailLen(), f.start, f.step) {
			its = append(its, idleTime{it: p.idleValue(firstOfStep(f.start, f.step, f.n).Sub(older.last)), w: weightOf(f.n)})
		}
		if !h.seen {
			h.seen, h.last, h.slack, h.lastLate, h.tail = true, older.last, older.slack, older.lastLate, older.tail
		}
		n := p.room(h, len(its))
		dropped += len(its) - n
		if n > 0 {
			p.prependIdleTimes(h, its[len(its)-n:])
			added += n
			// The span's busy stretches, for the share of its idle times
			// taken.
			share := float32(n) / float32(len(its))
			h.busyCalls += older.busyCalls * share
			h.busySecs += older.busySecs * share
		}
		if f, ok := span.firsts[ref]; ok {
			p.firsts[ref] = f
		} else {
			delete(p.firsts, ref) // its first call in the span is not known: nothing older joins it
		}
	}
	return added, dropped
}

// arrivalOrder is h's idle times oldest first (the oldest is at next).
func arrivalOrder(h *history) []idleTime {
	out := make([]idleTime, 0, len(h.e)+1)
	out = append(out, h.e[h.next:]...)
	return append(out, h.e[:h.next]...)
}

// room is how many older idle times h takes, of want: none once its ring
// has wrapped (it holds its newest), else up to History, or its fair share
// once the fleet's histories hold the budget (mayGrow). mu is held.
func (p *Policy) room(h *history, want int) int {
	if h.next != 0 {
		return 0
	}
	limit := p.cfg.History
	if p.idleTimes+want > maxIdleTimes {
		limit = p.fairShare()
	}
	return max(0, min(want, limit-len(h.e)))
}

// prependIdleTimes puts its (oldest first) before h's idle times, in
// arrival order, and orders the ring again. mu is held.
func (p *Policy) prependIdleTimes(h *history, its []idleTime) {
	e := make([]idleTime, 0, len(its)+len(h.e))
	e = append(append(e, its...), h.e...) // h.next is 0: h.e is in arrival order
	h.e = e
	h.rebuildOrder()
	p.idleTimes += len(its)
	if n := uint32(len(its)); h.added <= math.MaxUint32-n {
		h.added += n
	} else {
		h.added = math.MaxUint32 // it saturates rather than wraps
	}
	h.planned = false
}
