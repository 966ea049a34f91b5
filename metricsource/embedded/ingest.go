package embedded

import (
	"math"
	"time"
)

// ingest records one successful scrape at now, and says whether it did (a
// scrape not after the last is ignored). proc is what the page said
// of the gateway process (restart.go): after a restart every counter on
// the page counts from zero; on a process not joinable to the last page's
// (procRebased) the page is a new baseline, as the first scrape is; on the
// same process's pages a counter back from missing steps from its last
// value (store.procFrom).
func (st *store) ingest(now time.Time, samples []Sample, retention time.Duration, proc process) bool {
	t := now.UnixNano()
	if n := len(st.scrapes); n > 0 && t <= st.scrapes[n-1] {
		// Time went backwards or stood still: keep the history ordered.
		st.log.Warn("scrape not after the previous one ignored", "at", now)
		return false
	}
	restarted, rebased := proc == procRestarted, proc == procRebased
	switch {
	case proc == procUnknown:
		st.procFrom = 0
	case restarted || rebased || st.procFrom == 0:
		st.procFrom = t
	}
	if rebased {
		st.rebased = t
	}
	resume := int64(math.MaxInt64) // a counter missing since after it steps from its last value
	if st.procFrom != 0 {
		resume = st.procFrom
	}
	var prevScrape int64
	if n := len(st.scrapes); n > 0 {
		prevScrape = st.scrapes[n-1]
	}
	st.seq++
	st.setKeep(retention)
	st.scrapes = append(st.scrapes, t)
	st.gaps.scraped(prevScrape, t)
	// A scrape lists a function's series together: the last function_name
	// resolved answers the next sample without two map lookups.
	r := run{k: -1}
	for i := 0; i < len(samples); i++ {
		// After a restart an unchanged counter is a new one: no repeats.
		if !st.noRepeats && !restarted {
			if i = st.repeatsFrom(samples, i, &r); i == len(samples) {
				break
			}
		}
		smp := &samples[i] // not a copy of its three strings per sample
		kind, ok := kindOf(smp.Metric)
		if !ok {
			continue
		}
		unusable := math.IsNaN(smp.Value) || math.IsInf(smp.Value, 0) || (smp.Value < 0 && kind != kindInflight)
		if unusable && !kind.counter() {
			// Missing, not a value: the gauge reads as absent from this
			// scrape. A replica count is never negative.
			st.log.Debug("non-finite or negative sample ignored", "metric", smp.Metric, "function_name", smp.FunctionName)
			continue
		}
		if smp.FunctionName == "" {
			st.log.Debug("sample without function_name ignored", "metric", smp.Metric)
			continue
		}
		fn := r.fn
		if fn == nil || smp.FunctionName != r.name {
			r.k++
			if fn = st.scraped.lookup(r.k, smp.FunctionName); fn == nil {
				ref, ok := st.ref(smp.FunctionName)
				if !ok {
					continue
				}
				fn = st.fns[ref]
				if fn == nil {
					fn = &function{series: make([]series, 0, 3)}
					st.fns[ref] = fn
					st.all = append(st.all, storedFn{ref: ref, fn: fn})
					st.added++
				}
				st.scraped.set(r.k, smp.FunctionName, fn)
			}
			r.name, r.fn, r.j = smp.FunctionName, fn, 0
			r.named = fn.name != "" && fn.name == r.name
		}
		key := seriesKey{kind: kind, name: smp.FunctionName, inst: smp.Instance}
		if kind.coded() {
			key.code = smp.Code
		}
		s := fn.findFrom(r.j, key)
		r.j++
		if s != nil && s.seen == st.seq {
			// The same series twice in one scrape (a literal duplicate:
			// series apart in any label are apart in key.inst): the first
			// sample stands. Both, in turn, read as a reset at every
			// scrape.
			st.log.Debug("duplicate sample ignored", "metric", smp.Metric, "function_name", smp.FunctionName)
			continue
		}
		if unusable {
			// A counter on the page with no usable value (NaN, ±Inf, or
			// negative, which a counter never is: a step from 5 to -3 read
			// as a reset to -3 invocations) is missing from this scrape,
			// as sweep leaves an unseen series, but it was not restarted:
			// its next value steps from the last usable one, as Prometheus'
			// rate and increase skip such a sample. Taken as a series gone,
			// its next value counted in full as a new incarnation's (1,000
			// calls of a counter that never moved; a review's finding).
			if s != nil {
				s.markUnusable(t)
				fn.mark(s, st.seq, &st.keep) // on the page: not gone (sweep)
			}
			st.log.Debug("non-finite or negative counter sample ignored", "metric", smp.Metric, "function_name", smp.FunctionName)
			continue
		}
		if s == nil {
			s = fn.add(key)
		}
		var prev float64
		var was bool
		switch {
		case restarted && kind.counter():
			s.addRestarted(t, smp.Value) // prev 0, was false: counted whole
		case rebased && kind.counter():
			// Its own value as prev: no increase, no activity (its calls
			// since the last scrape are unknown: store.rebased).
			s.addRebased(t, smp.Value)
			prev, was = smp.Value, true
		default:
			prev, was = s.addResuming(t, smp.Value, resume)
		}
		fn.mark(s, st.seq, &st.keep)
		if kind == kindInflight && (!was || smp.Value != prev) {
			fn.loadChanged(t) // a new point (add returns the value itself when it kept none)
		}
		// A rise, a reset to a positive value, or a new series above 0;
		// not at the source's first scrape, which saw no call (its
		// counters' values are calls at any time before: LastActivity
		// read a function idle for days as called when the source
		// started).
		increased := prevScrape != 0 && smp.Value > 0 && (!was || smp.Value != prev)
		switch kind {
		case kindStarted:
			fn.hasStarted = true
			if increased {
				fn.lastStarted = t
			}
		case kindTotal:
			if increased {
				fn.lastTotal = t
			}
		case kindInflight:
			st.sawInflight = true
		case kindSecondsSum, kindSecondsCount:
			st.sawSeconds, fn.hasSeconds = true, true
		}
		if kind == kindStarted || kind == kindTotal {
			// The counter's increase since the previous scrape: from its
			// last value, or all of it for a counter missing from that
			// scrape, new or back (a gateway restarted between them
			// re-creates it at its first call since: every call it counts
			// came after that scrape, as series.add counts it; back on
			// pages of one process, it stepped from its last value, was);
			// nothing at the source's first scrape, which has no interval.
			var inc float64
			if was {
				inc = step(prev, smp.Value)
			} else if prevScrape != 0 {
				inc = smp.Value
			}
			if fn.dSeq != st.seq {
				fn.dSeq, fn.dStarted, fn.dTotal = st.seq, 0, 0
			}
			if kind == kindStarted {
				fn.dStarted += inc
			} else {
				fn.dTotal += inc
			}
		}
	}
	st.sweep(t, prevScrape, t-retention.Nanoseconds())
	return true
}

// run is where ingest is in a scrape's samples: the function_name of the
// last resolved (name), its function, the next sample's place among the
// function's samples in the scrape (j) and the distinct function_names so
// far, less one (k, the name cache's place). named: every gateway series
// of fn has name (function.name), which a sample of the run need not be
// compared with again.
type run struct {
	name  string
	fn    *function
	named bool
	j, k  int
}

// repeatsFrom records the samples from i on that are at their series'
// last value (most samples: nine in ten of a replayed day's, an idle
// function's five at most scrapes), as ingest's whole way would, and
// returns the index of the first that is not (len(samples): none). A
// sample repeats when it is the j-th of its function's in the scrape (as
// the run, or the name cache for the next function, has it), its j-th
// series was not yet seen at the scrape seq, and the series' key is the
// sample's: told from its fields by equality alone, not by naming the
// metric's kind and building the key. Nothing but the series' mark follows
// from an unchanged value (the kinds' flags were set by the series' first
// sample; a counter's increase is 0). In a loop of its own, not passes of
// ingest's, and the check inline: ingest's loop, long, kept little of its
// state in registers, and reloading it and a call per sample for the check
// were a sixth of a repeated sample's instructions.
func (st *store) repeatsFrom(samples []Sample, i int, r *run) int {
	seq := st.seq
	for ; i < len(samples); i++ {
		smp := &samples[i]
		fn, j, named := r.fn, r.j, r.named
		next := fn == nil || smp.FunctionName != r.name
		if next {
			// The first sample of the next function, as the cache has it.
			// Its first series, a gateway series (the sample's metric
			// names one), has the sample's name: the function's, if it
			// has one.
			if fn = st.scraped.lookup(r.k+1, smp.FunctionName); fn == nil {
				return i
			}
			j, named = 0, false
		}
		if j >= len(fn.series) {
			return i
		}
		s := &fn.series[j]
		k := s.key.kind
		// A NaN never equals last, nor does any value of a series without
		// points (last unset): only a value that passed ingest's checks
		// does. The derived arrivals' series is no sample's (its key names
		// no function and no metric; told by its kind, as named skips the
		// name). A duplicate takes the whole way, which logs it.
		if s.seen == seq || len(s.pts) == 0 || smp.Value != s.last || k == kindArrivals ||
			!named && smp.FunctionName != s.key.name || !sameLabel(smp.Instance, s.key.inst) || smp.Metric != metricOf[k] ||
			(!sameLabel(smp.Code, s.key.code) && k.coded()) {
			return i
		}
		fn.seen(s, seq) // its drop has not moved
		if (k == kindStarted || k == kindTotal) && fn.dSeq != seq {
			fn.dSeq, fn.dStarted, fn.dTotal = seq, 0, 0
		}
		if next {
			r.k++
			r.name, r.fn, r.j, r.named = smp.FunctionName, fn, 1, fn.name != ""
		} else {
			r.j++
		}
	}
	return i
}

// sameLabel is a == b for a label often empty on both sides (Sample.
// Instance; Code, but for the invocation counter and the duration
// histogram): == called the runtime's memequal even for two empty
// strings, at every sample of every scrape.
func sameLabel(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || a == b)
}
