package embedded

import (
	"math"
	"sort"
)

// point is one change of a series' value at a scrape time (Unix ns). A NaN
// value marks the series as absent from that scrape on (like a Prometheus
// staleness marker); it reappears as a new incarnation counting from 0.
//
// c is the counter's increase over the series' whole life up to this point
// (resets and new incarnations counted from 0), so the increase between two
// points is a difference, not a walk over every point between them: the
// idler asks for hours of activity of every function each cycle.
type point struct {
	t int64
	v float64
	c float64
}

func (p point) absent() bool { return math.IsNaN(p.v) }

// unusableBits is the NaN an absence holds when the series was on the page
// with a value that is no count (ingest): its next value steps from the
// last usable one instead of counting as a new incarnation. Any other NaN
// (math.NaN's) is a series gone from the page. Moves keep a NaN's bits.
const unusableBits = 0x7ff8_0000_dead_0001

func (p point) unusable() bool { return math.Float64bits(p.v) == unusableBits }

// series holds the change points of one gateway series.
type series struct {
	key  seriesKey
	pts  []point
	seen uint64 // number of the last scrape the series was in
	// The last point's time and value (NaN: absent; unset while pts is
	// empty), kept beside pts: every scrape compares each series' new
	// value with its last, and most reads ask whether anything changed
	// since a time. Read from pts, the last point was a load from
	// elsewhere in the heap per series, which at a thousand functions no
	// cache held. Set only where a point is appended (prune never drops
	// the last one).
	lastT int64
	last  float64
	// lastC is the last point's c, kept beside it as last is: a counter
	// that moved (most samples of a busy function) steps from it, and read
	// from pts it was a load from the points' array, elsewhere in the heap,
	// at every such sample. Set only where a point is appended.
	lastC float64
	// drop is the second point's time (math.MaxInt64 with fewer than two):
	// a prune to a cutoff before it drops nothing, which sweep asks of
	// every series at every scrape.
	drop int64
}

// push appends p, keeping lastT, last, lastC and drop.
func (s *series) push(p point) {
	s.pts = append(s.pts, p)
	s.lastT, s.last, s.lastC = p.t, p.v, p.c
	if len(s.pts) == 2 {
		s.drop = p.t
	}
}

// setDrop sets drop from pts.
func (s *series) setDrop() {
	s.drop = math.MaxInt64
	if len(s.pts) > 1 {
		s.drop = s.pts[1].t
	}
}

// add records v at t, keeping only changes. It returns the previous value
// and whether the series was present just before (false for a new series or
// one that had been absent).
func (s *series) add(t int64, v float64) (prev float64, wasPresent bool) {
	return s.addResuming(t, v, math.MaxInt64)
}

// addResuming is add for a counter that, missing from the scrapes since
// one after resume, was not re-created: all of them, and this one, were
// pages of one gateway process, which said so (ingest, store.procFrom). It
// steps from its last value, as Prometheus' increase joins the two sides
// of a gap: taken as a new incarnation, a counter that never moved and was
// missing from one page (a page cut at a line's end reads whole) counted
// all of its value as calls (a review's finding).
func (s *series) addResuming(t int64, v float64, resume int64) (prev float64, wasPresent bool) {
	if len(s.pts) > 0 && v == s.last { // never true for a NaN: absent
		return v, true
	}
	var c float64
	if len(s.pts) > 0 {
		c = s.lastC
	}
	if len(s.pts) > 0 && !math.IsNaN(s.last) { // the last point is not an absence
		prev = s.last
		s.push(point{t, v, c + step(prev, v)})
		return prev, true
	}
	if n := len(s.pts); n > 1 && (s.pts[n-1].unusable() || s.pts[n-1].t > resume) && !s.pts[n-2].absent() {
		// Back after values that were no counts, or after missing from
		// pages of the process that last had it: from the last usable one
		// (unless a prune took it: then as a new incarnation).
		prev = s.pts[n-2].v
		s.push(point{t, v, c + step(prev, v)})
		return prev, true
	}
	s.push(point{t, v, c + v}) // a new incarnation counts from 0
	return 0, false
}

// addRestarted records v at t as the first value of a new incarnation (its
// gateway process restarted since the last scrape): it counts whole, even
// when it equals the old process's last value (1 then 1 again: a rare
// function called once before the restart and once after).
func (s *series) addRestarted(t int64, v float64) {
	var c float64
	if n := len(s.pts); n > 0 {
		c = s.pts[n-1].c
	}
	s.push(point{t, v, c + v})
}

// addRebased records v at t as the counter's value on a page not joinable
// to the last (procRebased): a new baseline, no increase from the last
// value, as at the source's first scrape.
func (s *series) addRebased(t int64, v float64) {
	if len(s.pts) > 0 && v == s.last {
		return
	}
	var c float64
	if n := len(s.pts); n > 0 {
		c = s.pts[n-1].c
	}
	s.push(point{t, v, c})
}

// step is a counter's increase from prev to v: v after a reset.
func step(prev, v float64) float64 {
	if v < prev {
		return v
	}
	return v - prev
}

// markAbsent records that the series was missing from the scrape at t,
// and says whether that was news (it had a value until then).
func (s *series) markAbsent(t int64) bool {
	n := len(s.pts)
	if n > 0 && !s.pts[n-1].absent() {
		s.push(point{t, math.NaN(), s.pts[n-1].c})
		return true
	}
	if n > 0 && s.pts[n-1].unusable() {
		// Gone from the page after values that were no counts: what comes
		// back is a new incarnation (a restarted gateway's).
		s.pts[n-1].v, s.last = math.NaN(), math.NaN()
	}
	return false
}

// markUnusable records that the series was on the page at t with a value
// that is no count (see unusableBits).
func (s *series) markUnusable(t int64) {
	if n := len(s.pts); n > 0 && !s.pts[n-1].absent() {
		s.push(point{t, math.Float64frombits(unusableBits), s.pts[n-1].c})
	}
}

// copyDownMax is the most points prune copies down rather than reslicing
// (1.5 KB), in an array of at most four times that: a five-minute history
// at a 5 s scrape fits.
const copyDownMax = 64

// prune drops points older than cutoff but keeps the last one at or before
// it, which gives the value in effect at the cutoff. It reports whether the
// series holds nothing useful any more (only an absence).
func (s *series) prune(cutoff int64) (empty bool) {
	i := 0 // only i > 1 drops anything: with the second point after the cutoff, no search
	if len(s.pts) > 1 && s.drop <= cutoff {
		i = s.firstAfter(cutoff)
	}
	if i > 1 {
		if n := len(s.pts) - (i - 1); n <= copyDownMax && cap(s.pts) <= 4*copyDownMax {
			// A short history (the in-flight gauge's and the arrivals' over
			// a capacity window, the duration histogram's five minutes) is
			// copied down within its array, which then never needs a new
			// one: resliced, a busy gauge's array filled up every dozen
			// scrapes and append made a new one, a sixth of a replayed
			// day's bytes allocated. Not within a long array, which a
			// short history would hold on to: resliced, it is left to the
			// GC at the next append that finds it full.
			s.pts = s.pts[:copy(s.pts, s.pts[i-1:])]
		} else {
			// Reslice, not copy down: a busy series loses a point or two
			// at every scrape, and copying hours of points down each time
			// was a tenth of a day's replay. The backing array does not
			// grow without bound: the slice's capacity shrinks as its
			// start moves, and the append that finds it full moves only
			// the points kept to a new array (about twice their number),
			// leaving the old one to the GC.
			s.pts = s.pts[i-1:]
		}
		s.setDrop()
	}
	return len(s.pts) == 0 || (len(s.pts) == 1 && math.IsNaN(s.last)) // the one point is the last
}

// firstAfter is the index of the first point after cutoff, given that the
// second point is at or before it. It gallops from the front: a sweep drops
// a point or two of a busy series at every scrape, and a binary search over
// the hours of points the idler's windows keep was most of the sweep's cost.
func (s *series) firstAfter(cutoff int64) int {
	lo, step := 1, 1 // pts[lo].t <= cutoff
	hi := lo + step
	for hi < len(s.pts) && s.pts[hi].t <= cutoff {
		lo, step = hi, step*2
		hi = lo + step
	}
	hi = min(hi, len(s.pts))
	return lo + 1 + sort.Search(hi-lo-1, func(j int) bool { return s.pts[lo+1+j].t > cutoff })
}

// after is the index of the first point after t (len(pts) when none).
// Queries mostly ask about the latest scrape, after every point: that is
// checked first rather than searched for. Otherwise it gallops back from
// the last point: a window ends now and reaches back over a few scrapes,
// while a series keeps the hours of points the idler's windows ask for,
// which a binary search over all of them paid for at every read.
func (s *series) after(t int64) int {
	n := len(s.pts)
	if n == 0 || s.lastT <= t {
		return n
	}
	hi, step := n-1, 1 // pts[hi].t > t
	lo := hi - step
	for lo >= 0 && s.pts[lo].t > t {
		hi, step = lo, step*2
		lo = hi - step
	}
	lo = max(lo, -1) // pts[lo].t <= t, or none: the answer is in (lo, hi]
	return lo + 1 + sort.Search(hi-lo-1, func(j int) bool { return s.pts[lo+1+j].t > t })
}

// frontScan is how many of a series' first points afterFront reads before
// it searches from the end.
const frontScan = 3

// afterFront is after for a t expected among the series' first points: the
// start of a window as long as the series is kept for (the in-flight
// gauge's and the arrivals' over the capacity window, the duration
// histogram's over the mean's five minutes), whose point in effect is the
// one sweep kept at its cut. after gallops back from the last point over
// the whole window to find it.
func (s *series) afterFront(t int64) int {
	for i := range min(len(s.pts), frontScan) {
		if s.pts[i].t > t {
			return i
		}
	}
	return s.after(t)
}

// at returns the value in effect at t: the last point at or before t.
func (s *series) at(t int64) (float64, bool) {
	if len(s.pts) > 0 && s.lastT <= t {
		// The last point (most reads: activity's at the latest scrape),
		// from its copy beside pts: read from pts, a load from elsewhere
		// in the heap per series per read.
		if math.IsNaN(s.last) {
			return 0, false
		}
		return s.last, true
	}
	i := s.after(t)
	if i == 0 || s.pts[i-1].absent() {
		return 0, false
	}
	return s.pts[i-1].v, true
}

// increase is the counter increase between the scrapes at from and to,
// counting resets and new incarnations from 0, and whether the series was
// present at any time in [from, to].
func (s *series) increase(from, to int64) (inc float64, present bool) {
	if len(s.pts) > 0 && s.lastT <= from {
		// No change since before the window (most functions, most of the
		// time): the point in effect is the last one; nothing to search.
		return 0, !math.IsNaN(s.last)
	}
	return s.increaseFrom(s.after(from), from, to)
}

// increaseFront is increase for a from among the series' first points
// (afterFront): the arrivals' mean duration over the duration histogram's
// five minutes.
func (s *series) increaseFront(from, to int64) (inc float64, present bool) {
	if len(s.pts) > 0 && s.lastT <= from {
		return 0, !math.IsNaN(s.last)
	}
	return s.increaseFrom(s.afterFront(from), from, to)
}

// increaseFrom is increase given i, the index of the first point after
// from.
func (s *series) increaseFrom(i int, from, to int64) (inc float64, present bool) {
	j := max(i, s.after(to)) // the first point after to, not before i
	present = i > 0 && !s.pts[i-1].absent()
	if i == j {
		return 0, present // no change in (from, to]
	}
	// The points in (from, to] are pts[i:j]. From the point in effect at
	// from, the increase is the difference of the running totals; with none
	// (the series starts inside the window), the first point counts from 0.
	var base float64
	if i > 0 {
		base = s.pts[i-1].c
	} else if first := s.pts[i]; first.absent() {
		base = first.c
	} else {
		base = first.c - first.v
	}
	last := s.lastC // pts[j-1].c when the window reaches the last point (most reads)
	if j < len(s.pts) {
		last = s.pts[j-1].c
	}
	inc = last - base
	for k := i; k < j && !present; k++ {
		present = !s.pts[k].absent()
	}
	return inc, present
}

// maxOver is the highest value in effect at any time in [from, to].
func (s *series) maxOver(from, to int64) (float64, bool) {
	if len(s.pts) > 0 && s.lastT <= from {
		// No change since before the window: the last point's value held
		// throughout; nothing to search.
		if math.IsNaN(s.last) {
			return 0, false
		}
		return s.last, true
	}
	i := s.afterFront(from) // a capacity window's start: the series are kept for the longest
	var m float64
	ok := i > 0 && !s.pts[i-1].absent() // the value in effect at from
	if ok {
		m = s.pts[i-1].v
	}
	for ; i < len(s.pts) && s.pts[i].t <= to; i++ {
		if p := s.pts[i]; !p.absent() && (!ok || p.v > m) {
			m, ok = p.v, true
		}
	}
	return m, ok
}

// wokenAt reports a wake from zero of a replica-count series: above 0 at to
// and at 0 at some time in [from, to]. It returns the time of the first
// point above 0 after the last one at 0, an upper bound on the wake (points
// are changes seen at scrapes, so the wake came at or before it).
func (s *series) wokenAt(from, to int64) (int64, bool) {
	if v, ok := s.at(to); !ok || v <= 0 {
		return 0, false
	}
	j := s.after(to) - 1
	var woke int64
	for k := j; k >= 0; k-- {
		p := s.pts[k]
		switch {
		case p.absent():
		case p.v == 0:
			// At zero from p.t until the next point (k < j: pts[j] is above 0).
			return woke, s.pts[k+1].t > from
		default:
			woke = p.t
		}
		if p.t <= from {
			return 0, false // in effect at from and above 0: no zero inside
		}
	}
	return 0, false
}
