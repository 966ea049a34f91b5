package embedded

import (
	"math/rand/v2"
	"testing"
)

// increaseByWalk is the counter increase computed the plain way, walking
// every point in (from, to]: the reference the running totals must match.
func increaseByWalk(s *series, from, to int64) (inc float64, present bool) {
	prev, ok := atByWalk(s, from)
	present = ok
	for _, p := range s.pts {
		if p.t <= from || p.t > to {
			continue
		}
		if p.absent() {
			ok = false
			continue
		}
		present = true
		if !ok || p.v < prev {
			inc += p.v
		} else {
			inc += p.v - prev
		}
		prev, ok = p.v, true
	}
	return inc, present
}

// atByWalk is the value in effect at t found by walking every point.
func atByWalk(s *series, t int64) (float64, bool) {
	v, ok := 0.0, false
	for _, p := range s.pts {
		if p.t > t {
			break
		}
		v, ok = p.v, !p.absent()
	}
	if !ok {
		return 0, false
	}
	return v, true
}

// maxByWalk is the highest value in effect in [from, to], walking every
// point (0, false when the series was absent throughout).
func maxByWalk(s *series, from, to int64) (float64, bool) {
	m, ok := atByWalk(s, from)
	for _, p := range s.pts {
		if p.t > from && p.t <= to && !p.absent() && (!ok || p.v > m) {
			m, ok = p.v, true
		}
	}
	return m, ok
}

// Random counters with resets, absences, new incarnations and pruning: the
// increase from running totals, the value in effect and the highest value
// equal the walk over every window, windows after the last point (where
// increase and maxOver skip their search) included.
func TestIncreaseFromRunningTotalsMatchesTheWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for run := range 200 {
		var s series
		v := 0.0
		for tick := int64(1); tick <= 300; tick++ {
			switch r := rng.IntN(20); {
			case r == 0:
				s.markAbsent(tick)
				continue
			case r == 1:
				v = float64(rng.IntN(3)) // a reset
			case r < 12:
				v += float64(rng.IntN(50))
			}
			s.add(tick, v)
			if rng.IntN(50) == 0 {
				s.prune(tick - int64(rng.IntN(100)))
			}
		}
		for range 50 {
			from := int64(rng.IntN(320)) - 10
			to := from + int64(rng.IntN(200))
			// to runs past the last point, where at skips its search.
			v, ok := s.at(to)
			if wv, wok := atByWalk(&s, to); v != wv || ok != wok {
				t.Fatalf("run %d: at(%d) = %v, %v; the walk says %v, %v", run, to, v, ok, wv, wok)
			}
			m, mok := s.maxOver(from, to)
			if wm, wok := maxByWalk(&s, from, to); m != wm || mok != wok {
				t.Fatalf("run %d: maxOver(%d, %d) = %v, %v; the walk says %v, %v", run, from, to, m, mok, wm, wok)
			}
			got, gp := s.increase(from, to)
			want, wp := increaseByWalk(&s, from, to)
			if got != want || gp != wp {
				t.Fatalf("run %d, (%d, %d]: increase %v present %v, the walk says %v %v", run, from, to, got, gp, want, wp)
			}
		}
	}
}
