package embedded

import (
	"math"
	"testing"
)

// build makes a series from (t, v) pairs; v NaN marks absence.
func build(pairs ...float64) *series {
	s := &series{}
	for i := 0; i+1 < len(pairs); i += 2 {
		t, v := int64(pairs[i]), pairs[i+1]
		if math.IsNaN(v) {
			s.markAbsent(t)
		} else {
			s.add(t, v)
		}
	}
	return s
}

var nan = math.NaN()

func TestSeriesIncrease(t *testing.T) {
	cases := []struct {
		name        string
		s           *series
		from, to    int64
		want        float64
		wantPresent bool
	}{
		{"steady", build(0, 0, 1, 10, 2, 20, 3, 30), 1, 3, 20, true},
		{"flat is zero and present", build(0, 5, 1, 5, 2, 5), 1, 2, 0, true},
		{"reset counts from zero", build(0, 100, 1, 110, 2, 3, 3, 13), 0, 3, 10 + 3 + 10, true},
		{"new within the window counts its first value", build(5, 4, 6, 6), 2, 6, 6, true},
		{"absent then back is a new incarnation", build(0, 50, 1, nan, 2, 7), 0, 2, 7, true},
		{"absent then back higher is still a new incarnation", build(0, 50, 1, nan, 2, 60), 0, 2, 60, true},
		{"only before the window, unchanged", build(0, 9), 5, 8, 0, true},
		{"gone before the window", build(0, 9, 1, nan), 5, 8, 0, false},
		{"after the window ignored", build(0, 1, 9, 50), 0, 5, 0, true},
		{"never existed", build(), 0, 5, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, present := c.s.increase(c.from, c.to)
			if got != c.want || present != c.wantPresent {
				t.Fatalf("increase(%d,%d) = %v, %v; want %v, %v", c.from, c.to, got, present, c.want, c.wantPresent)
			}
		})
	}
}

func TestSeriesMaxOverAndAt(t *testing.T) {
	s := build(0, 3, 2, 8, 4, 1, 6, nan)
	cases := []struct {
		name     string
		from, to int64
		want     float64
		wantOK   bool
	}{
		{"value in effect at the start counts", 1, 1, 3, true},
		{"peak inside", 1, 5, 8, true},
		{"after the peak", 4, 5, 1, true},
		{"absent", 6, 9, 0, false},
		{"before the first point", -5, -1, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := s.maxOver(c.from, c.to)
			if got != c.want || ok != c.wantOK {
				t.Fatalf("maxOver(%d,%d) = %v, %v; want %v, %v", c.from, c.to, got, ok, c.want, c.wantOK)
			}
		})
	}
	if v, ok := s.at(3); v != 8 || !ok {
		t.Fatalf("at(3) = %v, %v; want 8, true", v, ok)
	}
}

func TestSeriesKeepsOnlyChangesAndPrunes(t *testing.T) {
	s := &series{}
	for t := int64(0); t < 100; t++ {
		s.add(t, float64(t/10)) // changes every 10
	}
	if len(s.pts) != 10 {
		t.Fatalf("%d points for 10 distinct values, want 10", len(s.pts))
	}
	if empty := s.prune(55); empty {
		t.Fatal("pruned to empty")
	}
	// Baseline (t=50, the value in effect at 55) plus 60..90.
	if len(s.pts) != 5 || s.pts[0].t != 50 {
		t.Fatalf("after prune: %v", s.pts)
	}
	if v, ok := s.at(55); v != 5 || !ok {
		t.Fatalf("value at the cutoff = %v, %v; want 5", v, ok)
	}
	s.markAbsent(100)
	if empty := s.prune(200); !empty {
		t.Fatalf("an absent series with no history is not reported empty: %v", s.pts)
	}
}

// TestPruneKeepsTheBackingBounded: a busy series gains a point and loses
// one at every scrape for ever; prune reslices rather than copying down, so
// its capacity must still stay within a small multiple of what it keeps
// (the append that finds the slice full moves only the kept points).
func TestPruneKeepsTheBackingBounded(t *testing.T) {
	s := &series{}
	const keep = 100
	for tick := int64(0); tick < 100_000; tick++ {
		s.add(tick, float64(tick)) // a change every scrape
		s.prune(tick - keep)
		if n, c := len(s.pts), cap(s.pts); n > keep+2 || c > 4*n+16 {
			t.Fatalf("at %d: %d points kept, capacity %d", tick, n, c)
		}
		if s.pts[0].t > tick-keep && tick >= keep {
			t.Fatalf("at %d: the point in effect at the cutoff was dropped: first at %d", tick, s.pts[0].t)
		}
	}
}
