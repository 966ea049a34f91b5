package embedded

import (
	"math"
	"sort"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The sweep after each scrape: arrivals derived, absences marked, history
// past the retention dropped; and how a function that needs none of it is
// told from one that does (settled), so that it is skipped.

// mark records that s, one of fn's series, was seen at the scrape seq and
// given its value (drop may have moved). keep is store.keep. A function is
// settled only when every one of its series was seen at the scrape, so its
// minDrop then holds each one's drop under the keep of the scrape that
// last moved it, or of the last walk: one from an earlier scrape's only
// makes it earlier (a walk, which sets it anew), should the retention or a
// capacity window have grown since, and a keep that shrinks has every
// function walked at the next sweep (store.rewalk).
func (fn *function) mark(s *series, seq uint64, keep *keeps) {
	fn.seen(s, seq)
	if len(s.pts) > 1 {
		fn.minDrop = min(fn.minDrop, s.drop+fn.keepOf(s.key.kind, keep))
	}
}

// seen records that s, one of fn's series, was seen at the scrape seq at
// its last value: its drop has not moved since it was last marked or
// walked, so minDrop still holds it (repeats: most samples, most scrapes).
func (fn *function) seen(s *series, seq uint64) {
	if s.seen != seq {
		if fn.seenSeq != seq {
			fn.seenSeq, fn.seenN = seq, 0
		}
		fn.seenN++
		s.seen = seq
	}
}

// settled reports whether sweep's walk over fn's series at the scrape seq,
// at time t, would change nothing: every series was seen (none to mark
// absent, and none is an absence alone, which a series seen has a value),
// and none has a second point at or before its kind's cut (prune drops
// nothing). Most functions, most scrapes: idle ones keep one point a
// series. Walking them was over a third of the sweep's time in a trace
// replay. Each kind's own cut, not the latest of them: a function called
// a few times within the retention keeps its counters' points for hours,
// past the duration histogram's five minutes, and with the latest cut it
// was walked at every scrape for hours (seven walks in ten of a replayed
// day were of such functions).
func (fn *function) settled(seq uint64, t int64) bool {
	return fn.seenSeq == seq && fn.seenN == len(fn.series) && fn.minDrop > t
}

// setKeep sets store.keep for a scrape whose retention is retention: the
// duration histogram keeps MeanDurationWindow, the arrivals and the
// in-flight gauge the longest capacity window asked, the invocation
// counter of a function with the started counter nothing past its latest
// point while trimsTotals, the others (and those, when it is shorter) the
// retention.
func (st *store) setKeep(retention time.Duration) {
	ret := retention.Nanoseconds()
	var keep keeps
	for k := range keep {
		keep[k] = ret
	}
	keep[kindSecondsSum] = min(ret, MeanDurationWindow.Nanoseconds())
	keep[kindSecondsCount] = keep[kindSecondsSum]
	if st.capacityWindow > 0 {
		keep[kindArrivals] = min(ret, st.capacityWindow.Nanoseconds())
		keep[kindInflight] = keep[kindArrivals]
	}
	if st.trimsTotals() {
		keep[keepStartedTotal] = 0
	}
	for k := range keep {
		// A function's minDrop holds its series' drops under the keep they
		// were last marked or walked with: a later one (longer) only has
		// it walked early, a shorter one would leave it settled past its
		// cut.
		st.rewalk = st.rewalk || keep[k] < st.keep[k]
	}
	st.keep = keep
}

// trimsTotals: the invocation counters of functions with a started counter
// keep their latest point alone (keepStartedTotal). Not before capacity has
// been asked at a scrape before the last one, with no rps load asked ever:
// the scaler asks each of its types once a pass, so a scaler with rps
// functions has asked rps by then, and their first readings read the
// history there is, as before; an rps load asked later reads missing for
// those functions until scraped for its window (windowRead.of).
func (st *store) trimsTotals() bool {
	return !st.noTrim && !st.rpsAsked && st.capacitySeq != 0 && st.seq > st.capacitySeq+1
}

// sweep records each function's arrivals in the interval since prev, marks
// series missing from the scrape at t as absent and drops history older
// than cutoff (keeping one point before it as a baseline).
//
// The duration histogram is read only for the mean over MeanDurationWindow,
// and the arrivals and the in-flight gauge only for capacity windows (and
// the gauge's value at the latest scrape, for activity), so their series
// keep no more than that: a busy function's series change at every scrape,
// and the retention the idler's windows ask for can be hours.
func (st *store) sweep(t, prev, cutoff int64) {
	if st.rebased == t {
		// A rebased page is a fresh baseline, as the first scrape is: the
		// calls since the last page are unknown, and an arrivals point of
		// 0 read a busy function's capacity as 0 where rps read missing
		// (a review's finding).
		prev = 0
	}
	meanFrom := st.baseline(t, MeanDurationWindow)
	meanCut := max(cutoff, t-MeanDurationWindow.Nanoseconds())
	arrivalsCut := cutoff
	if st.capacityWindow > 0 {
		arrivalsCut = max(cutoff, t-st.capacityWindow.Nanoseconds())
	}
	totalCut := max(cutoff, t-st.keep[keepStartedTotal]) // a function's with the started counter
	forgot := false
	all := st.all[:0] // the functions kept, moved down over those forgotten
	for _, e := range st.all {
		fn := e.fn
		if fn.groupsDirty {
			fn.regroup()
		}
		if fn.fallsBackAny() {
			// The calls of replicas without the started counter (groups.go),
			// from their invocation counters' history: made at this scrape,
			// a series' group is known only now.
			if fn.groups.d = 0; prev != 0 {
				fn.groups.d = fn.fallbackIncrease(prev, t)
			}
			if fn.groups.d > 0 {
				fn.lastStarted = t
			}
		}
		fn.arrivals(t, prev, meanFrom, st.seq, &st.keep)
		if !st.walkAll && !st.rewalk && fn.settled(st.seq, t) {
			all = append(all, e) // it has series: not forgotten
			continue
		}
		minDrop := int64(math.MaxInt64)
		kept := fn.series[:0]
		gauge := false // an in-flight gauge is among those kept (hasGauge)
		for i := range fn.series {
			s := &fn.series[i]
			if s.seen != st.seq && s.markAbsent(t) && s.key.kind.readsLoad() {
				fn.loadChanged(t)
			}
			cut := cutoff
			switch s.key.kind {
			case kindSecondsSum, kindSecondsCount:
				cut = meanCut
			case kindArrivals, kindInflight:
				cut = arrivalsCut
			case kindTotal:
				if fn.trimsTotal() {
					cut = totalCut
				}
			}
			n := len(s.pts)
			empty := s.prune(cut)
			if s.key.kind == kindTotal && cut > cutoff {
				// Cut short of the retention: rps windows reaching before
				// its first point now read missing (totalFrom). An absence
				// is kept as long as the retention would have kept it,
				// for activity's vanished.
				if len(s.pts) < n {
					st.totalFrom = max(st.totalFrom, s.pts[0].t)
				}
				empty = empty && s.lastT <= cutoff
			}
			// A series dropped here ends in an absence, which its last
			// change recorded: peak reads nothing from it either way.
			if !empty {
				// Kept in place (most series, most scrapes) or moved down
				// over a dropped one: every series copied onto itself at
				// every scrape was a fiftieth of the 1,000-function replay.
				if n := len(kept); n != i {
					fn.series[n] = *s
				}
				kept = fn.series[:len(kept)+1]
				gauge = gauge || s.key.kind == kindInflight
				if len(s.pts) > 1 {
					minDrop = min(minDrop, s.drop+fn.keepOf(s.key.kind, &st.keep))
				}
			} else if s.key.kind == kindStarted || s.key.kind == kindTotal {
				fn.groupsDirty = true
			}
		}
		clear(fn.series[len(kept):])
		fn.series, fn.minDrop, fn.hasGauge = kept, minDrop, gauge
		if fn.groupsDirty {
			fn.regroup()
		}
		if len(fn.series) == 0 && fn.lastStarted < cutoff && fn.lastTotal < cutoff {
			delete(st.fns, e.ref)
			fn.gone, forgot = true, true
			continue
		}
		all = append(all, e)
	}
	clear(st.all[len(all):]) // no forgotten function pinned
	st.all, st.rewalk = all, false
	if forgot && len(st.refs) > 2*len(st.fns)+refsSlack {
		// The names of forgotten functions (a function has one or two:
		// bare and qualified): start the cache again rather than keep
		// every name ever scraped. A new map, not clear: a cleared map
		// keeps its size. The names still scraped are parsed once more.
		st.refs = make(map[string]provider.Ref, 2*len(st.fns))
	}
	i := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > cutoff })
	if i > 1 {
		n := copy(st.scrapes, st.scrapes[i-1:])
		st.scrapes = st.scrapes[:n]
		st.gaps.prune(st.scrapes[0])
	}
}
