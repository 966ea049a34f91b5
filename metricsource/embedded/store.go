package embedded

import (
	"fmt"
	"log/slog"
	"math"
	"sort"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Gateway series the source keeps; everything else in a scrape is ignored.
const (
	MetricTotal    = "gateway_function_invocation_total"
	MetricStarted  = "gateway_function_invocation_started"
	MetricInflight = "gateway_function_invocation_inflight"
	// MetricReplicas is the gateway's replica count per function: a fall to
	// 0 and a rise from it are a wake from zero (Activity.Woken).
	MetricReplicas = "gateway_service_count"
	// MetricSecondsSum and MetricSecondsCount are the gateway's request
	// duration histogram's sum and count (gateway_functions_seconds, wait
	// included). Both grow when a request ends. Per scrape interval they
	// give the interval's average concurrency, which sees bursts that end
	// between two samples of the in-flight gauge (see busy).
	MetricSecondsSum   = "gateway_functions_seconds_sum"
	MetricSecondsCount = "gateway_functions_seconds_count"
)

// Sample is one gateway series' value in a scrape. The trace simulator
// builds these directly and feeds them through Observe.
type Sample struct {
	Metric       string // one of the Metric* names; others are ignored
	FunctionName string // the gateway's function_name label, "name.namespace" or "name"
	Code         string // HTTP code label of MetricTotal; empty otherwise
	Value        float64
}

type metricKind uint8

const (
	kindTotal metricKind = iota
	kindStarted
	kindInflight
	kindReplicas
	kindSecondsSum
	kindSecondsCount
	// kindBusy is derived, not scraped: the average concurrency over the
	// interval since the previous scrape, one series per function.
	kindBusy
)

func kindOf(metric string) (metricKind, bool) {
	switch metric {
	case MetricTotal:
		return kindTotal, true
	case MetricStarted:
		return kindStarted, true
	case MetricInflight:
		return kindInflight, true
	case MetricReplicas:
		return kindReplicas, true
	case MetricSecondsSum:
		return kindSecondsSum, true
	case MetricSecondsCount:
		return kindSecondsCount, true
	}
	return 0, false
}

// seriesKey names a series within one function. The raw function_name is
// part of it: "figlet" and "figlet.openfaas-fn" are two gateway series of
// the same function and add up.
type seriesKey struct {
	kind metricKind
	name string
	code string
}

// function is everything kept about one function.
type function struct {
	// A function has a handful of series (codes × names): a slice scanned
	// linearly beats a map at this size, in time and memory.
	series []*series
	// Last scrape (Unix ns) at which the started / total counters increased.
	lastStarted, lastTotal int64
	hasStarted             bool
	// The duration histogram's increases in the scrape being ingested
	// (ingest's scratch): seconds, requests, and whether any of its series
	// was also in the previous scrape, without which there is no interval.
	dSum, dCount float64
	dSeq         uint64 // the scrape those are for
	dOK          bool
}

func (fn *function) find(key seriesKey) *series {
	for _, s := range fn.series {
		if s.key == key {
			return s
		}
	}
	return nil
}

// store is the in-memory history. Callers hold Source.mu.
type store struct {
	fns     map[provider.Ref]*function
	refs    map[string]provider.Ref // function_name → ref, parsed once
	scrapes []int64                 // successful scrape times, ascending
	seq     uint64
	// sawInflight: the gateway exports the in-flight gauge at all;
	// sawSeconds: the duration histogram.
	sawInflight, sawSeconds bool
	// touched lists the functions with histogram samples in the scrape
	// being ingested (scratch, reused).
	touched   []*function
	defaultNS string
	log       *slog.Logger
}

func newStore(defaultNS string, log *slog.Logger) *store {
	return &store{
		fns:       map[provider.Ref]*function{},
		refs:      map[string]provider.Ref{},
		defaultNS: defaultNS,
		log:       log,
	}
}

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

// ingest records one successful scrape at now.
func (st *store) ingest(now time.Time, samples []Sample, retention time.Duration) {
	t := now.UnixNano()
	if n := len(st.scrapes); n > 0 && t <= st.scrapes[n-1] {
		// Time went backwards or stood still: keep the history ordered.
		st.log.Warn("scrape not after the previous one ignored", "at", now)
		return
	}
	var prevScrape int64
	if n := len(st.scrapes); n > 0 {
		prevScrape = st.scrapes[n-1]
	}
	st.seq++
	st.scrapes = append(st.scrapes, t)
	st.touched = st.touched[:0]
	// A scrape lists a function's series together: the last function_name
	// resolved answers the next sample without two map lookups.
	var lastName string
	var lastFn *function
	for _, smp := range samples {
		kind, ok := kindOf(smp.Metric)
		if !ok {
			continue
		}
		if math.IsNaN(smp.Value) || math.IsInf(smp.Value, 0) {
			// Missing, not a value: the series reads as absent from this scrape.
			st.log.Debug("non-finite sample ignored", "metric", smp.Metric, "function_name", smp.FunctionName)
			continue
		}
		if smp.FunctionName == "" {
			st.log.Debug("sample without function_name ignored", "metric", smp.Metric)
			continue
		}
		fn := lastFn
		if fn == nil || smp.FunctionName != lastName {
			ref, ok := st.ref(smp.FunctionName)
			if !ok {
				continue
			}
			fn = st.fns[ref]
			if fn == nil {
				fn = &function{series: make([]*series, 0, 3)}
				st.fns[ref] = fn
			}
			lastName, lastFn = smp.FunctionName, fn
		}
		key := seriesKey{kind: kind, name: smp.FunctionName}
		if kind == kindTotal || kind == kindSecondsSum || kind == kindSecondsCount {
			key.code = smp.Code
		}
		s := fn.find(key)
		if s == nil {
			s = &series{key: key}
			fn.series = append(fn.series, s)
		}
		prev, was := s.add(t, smp.Value)
		s.seen = st.seq
		// A rise, a reset to a positive value, or a new series above 0.
		increased := smp.Value > 0 && (!was || smp.Value != prev)
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
			st.sawSeconds = true
			if fn.dSeq != st.seq {
				fn.dSeq = st.seq
				st.touched = append(st.touched, fn)
			}
			if was {
				fn.dOK = true
				if kind == kindSecondsSum {
					fn.dSum += step(prev, smp.Value)
				} else {
					fn.dCount += step(prev, smp.Value)
				}
			}
		}
	}
	st.busy(t, prevScrape)
	st.sweep(t, t-retention.Nanoseconds())
}

// busy records, for each function with histogram samples in the scrape at
// t, its average concurrency since the previous scrape at prev: the seconds
// its requests took ÷ the interval, but at most the requests that ended in
// it. The gateway adds a request's whole duration when it ends, so a
// request that ran for a minute would otherwise count as twelve at a 5 s
// scrape; capped, each counts as at most one for the interval, and the
// in-flight gauge (taken as the larger, see peak) sees the long ones while
// they run. A histogram series new in this scrape gives no interval, as
// with irate: at the source's first scrape every series is new, and its
// whole history is not this interval's load.
func (st *store) busy(t, prev int64) {
	for _, fn := range st.touched {
		if fn.dOK && prev != 0 && t > prev {
			v := min(fn.dSum/time.Duration(t-prev).Seconds(), fn.dCount)
			key := seriesKey{kind: kindBusy}
			s := fn.find(key)
			if s == nil {
				s = &series{key: key}
				fn.series = append(fn.series, s)
			}
			s.add(t, v)
			s.seen = st.seq
		}
		fn.dSum, fn.dCount, fn.dOK = 0, 0, false
	}
	clear(st.touched) // hold no function the sweep may drop
}

// sweep marks series missing from the scrape at t as absent and drops
// history older than cutoff (keeping one point before it as a baseline).
func (st *store) sweep(t, cutoff int64) {
	for ref, fn := range st.fns {
		kept := fn.series[:0]
		for _, s := range fn.series {
			if s.seen != st.seq {
				s.markAbsent(t)
			}
			if !s.prune(cutoff) {
				kept = append(kept, s)
			}
		}
		clear(fn.series[len(kept):])
		fn.series = kept
		if len(fn.series) == 0 && fn.lastStarted < cutoff && fn.lastTotal < cutoff {
			delete(st.fns, ref)
		}
	}
	i := sort.Search(len(st.scrapes), func(i int) bool { return st.scrapes[i] > cutoff })
	if i > 1 {
		n := copy(st.scrapes, st.scrapes[i-1:])
		st.scrapes = st.scrapes[:n]
	}
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
	start := t - window.Nanoseconds()
	i := sort.Search(j, func(i int) bool { return st.scrapes[i] > start })
	if i == 0 {
		from = st.scrapes[0]
	} else {
		from = st.scrapes[i-1]
	}
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
	}
	// Gaps from the scrape before the window's start up to the last one.
	for k := i; k < j; k++ {
		if d := st.scrapes[k] - st.scrapes[k-1]; d > g {
			return fmt.Sprintf("a %s gap without a successful scrape of the gateway within the last %s (longest allowed %s)",
				time.Duration(d).Round(time.Millisecond), window, maxGap)
		}
	}
	return ""
}
