package embedded

import (
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// store is the in-memory history. Callers hold Source.mu.
type store struct {
	fns     map[provider.Ref]*function
	refs    map[string]provider.Ref // function_name → ref, parsed once
	scrapes []int64                 // successful scrape times, ascending
	seq     uint64
	// sawInflight: the gateway exports the in-flight gauge at all;
	// sawSeconds: the duration histogram.
	sawInflight, sawSeconds bool
	// capacityWindow is the longest capacity window asked so far: the
	// arrivals' derived series and the in-flight gauge are kept that long,
	// not the whole retention (0 until asked: the whole retention).
	capacityWindow time.Duration
	defaultNS      string
	log            *slog.Logger
	// added counts the functions ever added to fns (poscache.go); the
	// caches resolve functions without the maps' lookups.
	added   uint64
	aligned refCache
	scraped nameCache
	gaps    gapList // the gaps between scrapes covered looks for
	walkAll bool    // sweep walks the series of settled functions too (tests)
	rewalk  bool    // the next sweep walks them too: a keep shrank (setKeep)
	// procFrom is the first of the scrapes recorded since which every page
	// was one gateway process's, by its process_start_time_seconds (0: the
	// last page did not say, restart.go): a counter missing from a page
	// after it and back was not re-created (series.addResuming).
	procFrom int64
	// rebased is the latest scrape whose page came from a gateway process
	// not joinable to the last page's (restart.go, procRebased; 0: none):
	// the counters' increase up to it is unknown, so a window reaching
	// back over it reads missing (covered, windowRead).
	rebased int64
	// noRepeats: ingest takes every sample the whole way, none through
	// function.repeats (tests).
	noRepeats bool
	// keep is how long each kind's series keep their points at the scrape
	// being ingested: sweep cuts them at its time less that.
	keep keeps
	// rpsAsked: an rps load was asked (it reads the invocation counter's
	// history); capacitySeq is the scrape seq at which capacity was first
	// asked (0: never). totalFrom is the latest first point an invocation
	// counter of a function with a started counter was cut to short of the
	// retention: an rps window reaching before it is not all kept for those
	// functions (see keepStartedTotal). noTrim: never cut them so (tests).
	rpsAsked    bool
	capacitySeq uint64
	totalFrom   int64
	noTrim      bool
	// all is fns' entries as a slice, in the order they were added: sweep
	// visits every function at every scrape, and iterating the map was a
	// fifth of the sweep. Only ingest adds and only sweep deletes.
	all []storedFn
}

// storedFn is one entry of store.fns.
type storedFn struct {
	ref provider.Ref
	fn  *function
}

func newStore(defaultNS string, log *slog.Logger) *store {
	return &store{
		fns:       map[provider.Ref]*function{},
		refs:      map[string]provider.Ref{},
		defaultNS: defaultNS,
		log:       log,
	}
}

// refsSlack is how many names past two per function the name cache may
// hold (invalid names, names of forgotten functions) before sweep starts it
// again.
const refsSlack = 1024

// ref parses a function_name once and caches the result.
func (st *store) ref(name string) (provider.Ref, bool) {
	if r, ok := st.refs[name]; ok {
		return r, r.Name != ""
	}
	r, err := provider.ParseRef(name, st.defaultNS)
	if err != nil {
		st.log.Debug("sample with a bad function_name ignored", "function_name", name, "err", err)
		r = provider.Ref{} // cached as invalid
	}
	st.refs[name] = r
	return r, err == nil
}

// baseline is the latest scrape at or before t-window, or the first scrape
// when history is shorter (0 when there is none).
func (st *store) baseline(t int64, window time.Duration) int64 {
	start := t - window.Nanoseconds()
	i := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > start })
	if i == 0 {
		if len(st.scrapes) == 0 {
			return 0
		}
		return st.scrapes[0]
	}
	return st.scrapes[i-1]
}

// span returns the baseline and latest scrape times for a window ending at
// now: the latest scrape at or before now-window (or the first scrape when
// history is shorter), and the latest scrape at or before now.
func (st *store) span(now time.Time, window time.Duration) (from, to int64, ok bool) {
	t := now.UnixNano()
	j := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > t })
	if j == 0 {
		return 0, 0, false
	}
	to = st.scrapes[j-1]
	from = st.baseline(t, window)
	return from, to, from < to
}

// covered reports why successful scrapes do not cover [now-window, now]
// with no gap longer than maxGap ("" when they do): one at or before the
// window's start, none of the gaps after it longer than maxGap, and the last
// one at most maxGap ago.
func (st *store) covered(now time.Time, window, maxGap time.Duration) string {
	t, g := now.UnixNano(), maxGap.Nanoseconds()
	start := t - window.Nanoseconds()
	j := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > t })
	i := sort.Search(j, func(i int) bool { return st.scrapes[i] > start })
	switch {
	case i == 0:
		return fmt.Sprintf("the gateway has been scraped for only part of the last %s", window)
	case t-st.scrapes[j-1] > g:
		return fmt.Sprintf("no scrape of the gateway for the last %s (longest allowed gap %s)", time.Duration(t-st.scrapes[j-1]).Round(time.Millisecond), maxGap)
	case st.rebased > st.scrapes[i-1]:
		return fmt.Sprintf("the gateway's page %s ago came from a process whose counters do not follow the last page's (process_start_time_seconds): the calls before it are unknown within the last %s",
			time.Duration(t-st.rebased).Round(time.Millisecond), window)
	}
	// The first gap from the scrape before the window's start up to the
	// last one: from the gaps listed, or a walk over the scrapes.
	var d int64
	if i < j {
		var known bool
		if d, known = st.gaps.firstIn(g, st.scrapes[i], st.scrapes[j-1]); !known {
			for k := i; k < j && d == 0; k++ {
				if dk := st.scrapes[k] - st.scrapes[k-1]; dk > g {
					d = dk
				}
			}
		}
	}
	if d > 0 {
		return fmt.Sprintf("a %s gap without a successful scrape of the gateway within the last %s (longest allowed %s)",
			time.Duration(d).Round(time.Millisecond), window, maxGap)
	}
	return ""
}
