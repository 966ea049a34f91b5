package metricsource

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Total is one started counter's value at a time: a function's calls
// started through one gateway instance since that counter began.
type Total struct {
	Ref provider.Ref
	// Series names the counter across reads of one source: the same
	// function on the same gateway instance has the same Series. Two
	// series may name one function (a bare and a qualified name, two
	// gateway replicas).
	Series uint64
	N      float64
	// GatewaySeen is when the source last read the series' gateway
	// instance before this read (Unix nanoseconds; 0: not known). A series
	// TotalsDiff does not hold is new since then, not since the read
	// before, when its gateway was missing from the reads between (not
	// scraped): restarted meanwhile, its series named anew, or a function
	// first called through it meanwhile. Its calls are then late as a
	// held series' missing from the same reads are (Add): counted on time,
	// calls made anywhere in the span the gateway went unscraped ended an
	// idle time at the read nobody saw.
	GatewaySeen int64
}

// StartedTotals is implemented by sources that can read every function's
// started counters as they stood at a time, cheaply (Prometheus: instant
// selectors only). The keep-alive feeder then learns each step from the
// difference of two reads (TotalsDiff) instead of asking the source to
// compute every function's increase over the step, which at 100,000
// functions was more than a loaded Prometheus answered in its timeout.
//
// The totals are returned in buf's array when it is long enough (buf's
// contents are overwritten), in no particular order. A series the source
// could not read (no sample near at, a non-finite value) is left out:
// TotalsDiff keeps its last value, so its calls are counted when it is
// read again.
type StartedTotals interface {
	StartedTotals(ctx context.Context, at time.Time, buf []Total) ([]Total, error)
}

// TotalsDiff turns successive reads of StartedTotals into the calls
// started between them, per function. A counter that fell was reset (a
// gateway restarted on the same address): all it counts now came since.
// A counter first seen after the first read began since (the gateway
// creates a function's counters at its first call; a replaced gateway
// pod is a new instance) and counts whole.
//
// A series missing from a read is not forgotten at once: a failed scrape
// marks a gateway's series stale, and, forgotten, each would count its
// whole history when read again (every function on that gateway "called"
// in one step). It is forgotten after KeepMissing reads without it, or
// after Forget reads once the series held crowd (below). Read again
// after missing from Late reads or more, its calls are counted Late: they
// happened somewhere in the span it was missing, not in the read's step
// (its gateway not scraped while its function was still called). The first
// read is a base and counts nothing, which also means a series absent
// from it (its gateway's scrape failed just then) counts whole when first
// seen: towards "active", as an increase() that cannot see the start of
// a series does; with LateAfterBase, Late in the read right after the
// base (its value may be its whole history), unless it replaced a series
// of its function that the base held (a restart in place: Add).
//
// What it holds is a key, a value and a read number per series (about
// 30 bytes with the map's overhead); the zero value is ready to use.
type TotalsDiff struct {
	// Forget is how many reads a series may be missing from before it is
	// forgotten (0: DefaultForgetReads) when the series held are more than
	// twice the most any read had (crowded: a gateway replaced again and
	// again leaves a series per function behind each time, which never
	// come back).
	Forget int
	// KeepMissing is how many reads a series may be missing from before it
	// is forgotten when they are not crowded (0, or less than Forget:
	// Forget). A gateway alive but not scraped for longer than Forget (a
	// NetworkPolicy, a relabelling, a Prometheus outage) comes back with
	// the same series, its values those of calls already counted: a
	// forgotten series counts whole, as new, which placed every call of
	// its history in the read's step and ended an idle time there.
	KeepMissing int
	// Late is how many reads a series may be missing from and its calls
	// still be placed in the step it is read again in (0:
	// DefaultLateReads): after a failed scrape or two they are a step or
	// two late; after a gateway not scraped for many minutes they could be
	// anywhere in those minutes.
	Late int
	// LateSpan, when set, is how long a series may be missing, by the
	// reads' times, and its calls still be placed in the read's step:
	// missing from fewer than Late reads of a slow source (50 s a read at
	// a 15 s step), a counter back after minutes had its calls placed in
	// the last read's window and ended an idle time nobody saw (a
	// review's finding).
	LateSpan time.Duration
	// LateAfterBase makes the counts of a series first seen in the read
	// right after a base (or in the read after a part read that was:
	// AddPart) Late (Add), unless it replaced a series of its function
	// that the base held: for a reader whose counts go on from a
	// history learned before the base (the keep-alive feeder after a
	// rebuild), where a stale series' whole value, read as calls of the
	// step, ended a learned idle time at calls nobody made (a review's
	// finding). Unset, such a series counts on time, as created by its
	// first calls since the base.
	LateAfterBase bool

	last  map[uint64]lastTotal
	at    time.Time // the last read's time (zero: none since Rebase)
	reads uint32
	// baseRead is the number of the last base read (the first after a
	// Rebase): a series last seen before it was missing from it, across
	// the span Rebase made unknown, so its calls are late.
	baseRead uint32
	// afterBase is the number of the read LateAfterBase treats as the one
	// right after the base: baseRead+1, or later after AddPart.
	afterBase uint32
	// times holds the last reads' times by read number (a ring), for
	// LateSpan.
	times [lateTimes]time.Time
	// mostLive is the most series a read had (forget's crowding bound).
	mostLive int
	// counted is how many counts the last Add returned: the next one's
	// array is made for about as many (grown by append, a large fleet's
	// was several times its size in garbage every read).
	counted int
}

// DefaultForgetReads is TotalsDiff's Forget when unset: an hour of the
// feeder's default 15 s learning step.
const DefaultForgetReads = 240

// DefaultLateReads is TotalsDiff's Late when unset: a minute of the
// feeder's default 15 s learning step, as far back as its late reads read.
const DefaultLateReads = 4

type lastTotal struct {
	n    float64
	read uint32 // the read it was last seen in
	// fn is a hash of the series' function (fnHash), in what would be
	// the struct's padding: which function's series went missing as a
	// new one came (a restart in place, Add).
	fn uint32
}

// fnHash is a function's 32-bit FNV-1a hash. A collision makes at worst a
// new series' calls on time that were late (Add).
func fnHash(r provider.Ref) uint32 {
	h := uint32(2166136261)
	for _, s := range [2]string{r.Namespace, r.Name} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint32(s[i])) * 16777619
		}
		h = (h ^ '/') * 16777619
	}
	return h
}

// At is when the read the next one is counted from was made (zero: none).
func (d *TotalsDiff) At() time.Time { return d.at }

// Rebase makes the next Add a base, which counts nothing: the time since
// the last read is not to be counted (it is unknown, or too long ago to
// place its calls). The series' values are kept, so a series missing from
// that read is still counted from them, as late (its calls may be anywhere
// in the span).
func (d *TotalsDiff) Rebase() { d.at = time.Time{} }

// Len is how many series it holds.
func (d *TotalsDiff) Len() int { return len(d.last) }

// Held is the value it holds for series, and whether it holds one (read
// before, not forgotten).
func (d *TotalsDiff) Held(series uint64) (float64, bool) {
	v, ok := d.last[series]
	return v.n, ok
}

// Add takes a read made at at and returns the calls each function started
// since the read before (nothing on a base), one Count per function with
// any, sorted by namespace and name, in out's array when it is long
// enough (out's contents are overwritten).
func (d *TotalsDiff) Add(read []Total, at time.Time, out []Count) []Count {
	out = out[:0]
	base := d.at.IsZero()
	if want := d.counted + d.counted/8; !base && cap(out) < want {
		out = make([]Count, 0, want)
	}
	if d.last == nil {
		d.last = make(map[uint64]lastTotal, len(read))
	}
	d.reads++
	if base {
		d.baseRead, d.afterBase = d.reads, d.reads+1
	}
	d.times[d.reads%lateTimes] = at
	d.mostLive = max(d.mostLive, len(read))
	late := uint32(d.Late)
	if d.Late <= 0 {
		late = DefaultLateReads
	}
	// Right after a base (LateAfterBase), a series not in it may have
	// been missing from it (its gateway's last scrape failed then, its
	// series stale) rather than created since: its value, counted whole,
	// is then its history,
	// not calls of the step. Its counts are late (they end no idle time
	// and start none), unless a series of the same function in the base
	// is missing now (its gateway restarted in place, its series renamed
	// with the new process's start time: this one counts since then).
	// A function's genuinely first call in the step after a base lost the
	// idle time it would start, until a series whose gateway the base read
	// was counted on time (only the Prometheus source says: GatewaySeen).
	afterBase := d.LateAfterBase && !base && d.reads == d.afterBase
	var fresh []int // indexes in out of counts of series new after the base
	for _, t := range read {
		if !(t.N >= 0) || math.IsInf(t.N, 0) {
			// No count (a broken exporter or proxy: NaN, ±Inf, below 0):
			// skipped as a missed read is, the last good value kept.
			// Taken as a reset, the next read counted the whole way back
			// up as calls nobody made; the rebuild skips it too.
			continue
		}
		prev, known := d.last[t.Series]
		fn := prev.fn
		if !known { // a series names one function: hashed once
			fn = fnHash(t.Ref)
		}
		d.last[t.Series] = lastTotal{n: t.N, read: d.reads, fn: fn}
		var n float64
		switch {
		case base:
			continue
		case !known, t.N < prev.n: // new since, or reset
			n = t.N
		default:
			n = t.N - prev.n
		}
		if n > 0 {
			// It was missing from the reads between prev.read and this
			// one; new, its gateway from those since it was last seen.
			lateN := known && d.late(prev.read, late, at)
			if !known && t.GatewaySeen != 0 {
				lateN = d.late(d.readAt(t.GatewaySeen), late, at)
			}
			out = append(out, Count{Ref: t.Ref, N: n, Late: lateN})
			// A series whose gateway was in the base read (GatewaySeen at
			// or after it) was not there then: made since, by its first
			// calls, which are this step's. Only one whose gateway the
			// base did not see may be stale (a failed scrape).
			if !known && afterBase && !(t.GatewaySeen != 0 && d.readAt(t.GatewaySeen) >= d.baseRead) {
				fresh = append(fresh, len(out)-1)
			}
		}
	}
	if len(fresh) > 0 {
		d.lateAfterBase(out, fresh)
	}
	d.at = at
	d.forget()
	out = MergeCounts(out)
	if !base {
		d.counted = len(out)
	}
	return out
}

// AddPart is Add for a read made part of the way through the step the next
// Add ends, which is counted as a step of its own: the keep-alive feeder's
// first read after a rebuild splits its step at the rebuild's end, so that
// what it counts before the end (the rebuild counted it too) is told apart
// from what it counts after. With LateAfterBase, the next read is still
// treated as the one right after the base when this one was: a series
// missing from the base and from this read may still be a failed scrape's.
func (d *TotalsDiff) AddPart(read []Total, at time.Time, out []Count) []Count {
	afterBase := !d.at.IsZero() && d.afterBase == d.reads+1
	out = d.Add(read, at, out)
	if afterBase {
		d.afterBase = d.reads + 1
	}
	return out
}

// lateAfterBase marks late the counts at fresh in out, of series new in
// the read right after a base, but those of a function with a series in
// the base (or a part read since: AddPart) that is missing from this read
// (Add).
func (d *TotalsDiff) lateAfterBase(out []Count, fresh []int) {
	gone := make(map[uint32]struct{})
	for _, v := range d.last {
		if v.read >= d.baseRead && v.read < d.reads {
			gone[v.fn] = struct{}{}
		}
	}
	for _, i := range fresh {
		if _, ok := gone[fnHash(out[i].Ref)]; !ok {
			out[i].Late = true
		}
	}
}

// lateTimes is how many reads' times TotalsDiff keeps for LateSpan; a
// series missing from more reads than that is late by Late anyway.
const lateTimes = 64

// late says whether the calls of a series last seen in read prev, read
// again now (at), are late: missing from late reads or more, missing from
// the last base read (prev before it: the unknown span Rebase left), or
// last seen more than LateSpan before at.
func (d *TotalsDiff) late(prev, late uint32, at time.Time) bool {
	missed := d.reads - prev - 1
	switch {
	case missed >= late, prev < d.baseRead:
		return true
	case d.LateSpan > 0 && missed >= lateTimes-1:
		// Its read's time is gone from the ring (this read's own took
		// its slot at 63): missing that many reads is late.
		return true
	case d.LateSpan > 0 && missed > 0:
		return at.Sub(d.times[prev%lateTimes]) > d.LateSpan
	}
	return false
}

// readAt is the number of the last read made at or before t (Unix
// nanoseconds) among those whose times are kept (lateTimes), or 0 when
// none is: before all of them, as a series last seen before the base read
// (late).
func (d *TotalsDiff) readAt(t int64) uint32 {
	for k := d.reads - 1; k >= 1 && d.reads-k < lateTimes; k-- {
		if d.times[k%lateTimes].UnixNano() <= t {
			return k
		}
	}
	return 0
}

// forget drops the series missing from the last KeepMissing reads, and
// those missing from the last Forget reads when the series held are
// crowded (more than twice the most a read had).
func (d *TotalsDiff) forget() {
	if d.reads%16 != 0 {
		return // a sweep of every series is not needed every read
	}
	keep := uint32(d.Forget)
	if d.Forget <= 0 {
		keep = DefaultForgetReads
	}
	long := max(keep, uint32(max(d.KeepMissing, 0)))
	crowded := len(d.last) > 2*d.mostLive
	for k, v := range d.last {
		if missing := d.reads - v.read; missing > long || crowded && missing > keep {
			delete(d.last, k)
		}
	}
}

// MergeCounts sorts counts by function and adds up each function's (late
// if any of its counts is), in c's array.
func MergeCounts(c []Count) []Count {
	slices.SortFunc(c, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.Ref.Namespace, b.Ref.Namespace), cmp.Compare(a.Ref.Name, b.Ref.Name))
	})
	out := c[:0]
	for _, x := range c {
		if n := len(out); n > 0 && out[n-1].Ref == x.Ref {
			out[n-1].N += x.N
			out[n-1].Late = out[n-1].Late || x.Late
			continue
		}
		out = append(out, x)
	}
	return out
}
