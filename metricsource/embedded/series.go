package embedded

import (
	"math"
	"sort"
)

// point is one change of a series' value at a scrape time (Unix ns). A NaN
// value marks the series as absent from that scrape on (like a Prometheus
// staleness marker); it reappears as a new incarnation counting from 0.
type point struct {
	t int64
	v float64
}

func (p point) absent() bool { return math.IsNaN(p.v) }

// series holds the change points of one gateway series.
type series struct {
	key  seriesKey
	pts  []point
	seen uint64 // number of the last scrape the series was in
}

// add records v at t, keeping only changes. It returns the previous value
// and whether the series was present just before (false for a new series or
// one that had been absent).
func (s *series) add(t int64, v float64) (prev float64, wasPresent bool) {
	if n := len(s.pts); n > 0 && !s.pts[n-1].absent() {
		prev = s.pts[n-1].v
		if prev == v {
			return prev, true
		}
		s.pts = append(s.pts, point{t, v})
		return prev, true
	}
	s.pts = append(s.pts, point{t, v})
	return 0, false
}

// markAbsent records that the series was missing from the scrape at t.
func (s *series) markAbsent(t int64) {
	if n := len(s.pts); n > 0 && !s.pts[n-1].absent() {
		s.pts = append(s.pts, point{t, math.NaN()})
	}
}

// prune drops points older than cutoff but keeps the last one at or before
// it, which gives the value in effect at the cutoff. It reports whether the
// series holds nothing useful any more (only an absence).
func (s *series) prune(cutoff int64) (empty bool) {
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].t > cutoff })
	if i > 1 {
		keep := s.pts[i-1:]
		// Copy down rather than reslice so the backing array does not grow
		// without bound on a long-running controller.
		n := copy(s.pts, keep)
		s.pts = s.pts[:n]
	}
	return len(s.pts) == 0 || (len(s.pts) == 1 && s.pts[0].absent())
}

// at returns the value in effect at t: the last point at or before t.
func (s *series) at(t int64) (float64, bool) {
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].t > t })
	if i == 0 || s.pts[i-1].absent() {
		return 0, false
	}
	return s.pts[i-1].v, true
}

// increase is the counter increase between the scrapes at from and to,
// counting resets and new incarnations from 0, and whether the series was
// present at any time in [from, to].
func (s *series) increase(from, to int64) (inc float64, present bool) {
	prev, ok := s.at(from)
	present = ok
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].t > from })
	for ; i < len(s.pts) && s.pts[i].t <= to; i++ {
		p := s.pts[i]
		if p.absent() {
			ok = false
			continue
		}
		present = true
		switch {
		case !ok, p.v < prev: // new incarnation or reset: counted from 0
			inc += p.v
		default:
			inc += p.v - prev
		}
		prev, ok = p.v, true
	}
	return inc, present
}

// maxOver is the highest value in effect at any time in [from, to].
func (s *series) maxOver(from, to int64) (float64, bool) {
	m, ok := s.at(from)
	i := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].t > from })
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
	j := sort.Search(len(s.pts), func(i int) bool { return s.pts[i].t > to }) - 1
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
