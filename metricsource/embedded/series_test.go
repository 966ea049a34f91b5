package embedded

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
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

// TestSeriesKeepsItsLastPointAndDropWithItsPoints: the last point's time,
// value and running total and the second point's time, kept beside the
// points so that a scrape need not read them, are those of the points
// after every add, absence and prune; add answers and prune drops as
// reading the points would.
func TestSeriesKeepsItsLastPointAndDropWithItsPoints(t *testing.T) {
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	rng := rand.New(rand.NewPCG(5, 6))
	for run := range 300 {
		var s series
		v := 0.0
		for tick := int64(1); tick <= 200; tick++ {
			n := len(s.pts)
			switch r := rng.IntN(20); {
			case r == 0:
				s.markAbsent(tick)
			case r < 4:
				cutoff := tick - int64(rng.IntN(60))
				i := 0
				for i < n && s.pts[i].t <= cutoff {
					i++
				}
				want := slices.Clone(s.pts)
				if i > 1 {
					want = want[i-1:]
				}
				wantEmpty := len(want) == 0 || (len(want) == 1 && want[0].absent())
				if empty := s.prune(cutoff); empty != wantEmpty {
					t.Fatalf("run %d, tick %d: prune(%d) says empty %v, the points say %v", run, tick, cutoff, empty, wantEmpty)
				}
				if !slices.EqualFunc(s.pts, want, func(a, b point) bool { return a.t == b.t && same(a.v, b.v) && a.c == b.c }) {
					t.Fatalf("run %d, tick %d: prune(%d) kept %v, want %v", run, tick, cutoff, s.pts, want)
				}
			default:
				if rng.IntN(3) == 0 {
					v += float64(rng.IntN(3)) // often unchanged, sometimes 0 at the first point
				}
				wantWas := n > 0 && !s.pts[n-1].absent()
				var wantPrev float64
				if wantWas {
					wantPrev = s.pts[n-1].v
				}
				if prev, was := s.add(tick, v); prev != wantPrev || was != wantWas {
					t.Fatalf("run %d, tick %d: add(%v) = %v, %v; the points say %v, %v", run, tick, v, prev, was, wantPrev, wantWas)
				}
			}
			if n := len(s.pts); n > 0 && (s.lastT != s.pts[n-1].t || !same(s.last, s.pts[n-1].v) || s.lastC != s.pts[n-1].c) {
				t.Fatalf("run %d, tick %d: kept last point (%d, %v, %v), the points end with %v", run, tick, s.lastT, s.last, s.lastC, s.pts[n-1])
			}
			if len(s.pts) > 1 && s.drop != s.pts[1].t {
				t.Fatalf("run %d, tick %d: kept drop %d, the second point is at %d", run, tick, s.drop, s.pts[1].t)
			}
		}
	}
}

// TestSweepMovesKeptSeriesOverDroppedOnes: a series that has gone from the
// gateway's scrapes for longer than the retention is dropped from its
// function, and the series after it move down with their histories; the
// others stay where they are.
func TestSweepMovesKeptSeriesOverDroppedOnes(t *testing.T) {
	st := newStore("openfaas-fn", nil)
	const retention = 10 * time.Second
	start := time.Unix(1_700_000_000, 0)
	for sec := range 40 {
		samples := []Sample{{Metric: MetricTotal, FunctionName: "fn", Code: "200", Value: float64(sec)}}
		if sec < 5 { // the started counter goes from the scrapes after 5 s
			samples = append(samples, Sample{Metric: MetricStarted, FunctionName: "fn", Value: float64(sec)})
		}
		samples = append(samples, Sample{Metric: MetricInflight, FunctionName: "fn", Value: float64(sec % 3)})
		st.ingest(start.Add(time.Duration(sec)*time.Second), samples, retention, procUnknown)
	}
	fn := st.fns[fnRef("fn")]
	var kinds []metricKind
	for i := range fn.series {
		kinds = append(kinds, fn.series[i].key.kind)
	}
	if !slices.Equal(kinds, []metricKind{kindTotal, kindInflight}) {
		t.Fatalf("series kinds %v, want the total and the in-flight gauge (%v, %v)", kinds, kindTotal, kindInflight)
	}
	last := start.Add(39 * time.Second).UnixNano()
	if v, ok := fn.series[0].at(last); !ok || v != 39 {
		t.Errorf("total at the last scrape: %v, %v; want 39", v, ok)
	}
	if v, ok := fn.series[1].at(last); !ok || v != 0 {
		t.Errorf("in flight at the last scrape: %v, %v; want 39 %% 3 = 0", v, ok)
	}
	if m, ok := fn.series[1].maxOver(last-int64(5*time.Second), last); !ok || m != 2 {
		t.Errorf("in flight's peak over the last 5 s: %v, %v; want 2", m, ok)
	}
}

// TestAFunctionsSeriesArrayGrowsByTwo: new series are added two places at a
// time, so a function's handful of series leaves at most one place unused.
func TestAFunctionsSeriesArrayGrowsByTwo(t *testing.T) {
	var fn function
	for n := 1; n <= 9; n++ {
		fn.add(seriesKey{kind: kindTotal, code: fmt.Sprint(n)})
		if len(fn.series) != n || cap(fn.series)-n > 1 {
			t.Fatalf("%d series in an array of %d", len(fn.series), cap(fn.series))
		}
	}
	for i, s := range fn.series {
		if s.key.code != fmt.Sprint(i+1) {
			t.Fatalf("series %d is %q after growing, want %d", i, s.key.code, i+1)
		}
	}
}

// TestFindFromIsFindWhateverTheHint: the hint only saves a search; with
// any index, in place or not, past the end or for a key the function does
// not have, findFrom answers as find.
func TestFindFromIsFindWhateverTheHint(t *testing.T) {
	var fn function
	keys := []seriesKey{{kind: kindStarted, name: "f"}, {kind: kindTotal, name: "f", code: "200"},
		{kind: kindTotal, name: "f", code: "500"}, {kind: kindInflight, name: "f"}}
	for _, k := range keys[:3] { // the last one is never made
		fn.add(k)
	}
	for j := range 6 {
		for _, k := range keys {
			if got, want := fn.findFrom(j, k), fn.find(k); got != want {
				t.Errorf("findFrom(%d, %+v) = %p, find says %p", j, k, got, want)
			}
		}
	}
}

// TestPruneCopiesAShortHistoryDown: a busy series whose history is short
// (a gauge over a one-minute capacity window, a point at every 5 s scrape)
// gains a point and loses one at every scrape; once its array has grown,
// it needs no other, and a long one is still resliced and left to the GC.
func TestPruneCopiesAShortHistoryDown(t *testing.T) {
	for _, keep := range []int64{1, 12, copyDownMax - 1} {
		s := &series{}
		tick := int64(0)
		scrapes := func() {
			for range 200 {
				tick++
				s.add(tick, float64(tick))
				s.prune(tick - keep)
			}
		}
		scrapes() // the array grows to its size
		if allocs := testing.AllocsPerRun(20, scrapes); allocs != 0 {
			t.Errorf("keeping %d points: %v allocations per 200 scrapes, want none", keep, allocs)
		}
		if n := len(s.pts); n != int(keep)+1 || s.pts[0].t != tick-keep || s.pts[n-1].t != tick {
			t.Errorf("keeping %d points: %d kept, from %d to %d at %d", keep, n, s.pts[0].t, s.pts[n-1].t, tick)
		}
	}
	// A short history in an array a long one left is resliced out of it.
	s := &series{}
	for tick := range int64(1000) {
		s.add(tick, float64(tick))
	}
	long := cap(s.pts)
	s.prune(990)
	for tick := int64(1000); cap(s.pts) >= long; tick++ {
		if tick > 1000+int64(long) {
			t.Fatalf("a 10-point history still in the %d-point array a long one left", long)
		}
		s.add(tick, float64(tick))
		s.prune(tick - 10)
	}
}

// TestAfterFrontIsAfter: the search from the first points answers as the
// search from the last, for any time, before, among and after the points
// of series of any length.
func TestAfterFrontIsAfter(t *testing.T) {
	rng := rand.New(rand.NewPCG(36, 7))
	for run := range 2000 {
		s := &series{}
		tick := int64(0)
		for range rng.IntN(12) {
			tick += 1 + int64(rng.IntN(3))
			if rng.IntN(8) == 0 {
				s.markAbsent(tick)
			} else {
				s.add(tick, float64(rng.IntN(4)))
			}
		}
		for at := int64(-1); at <= tick+1; at++ {
			if got, want := s.afterFront(at), s.after(at); got != want {
				t.Fatalf("run %d, %d points: afterFront(%d) = %d, after %d", run, len(s.pts), at, got, want)
			}
			if got, want := fmt.Sprint(s.increaseFront(at, tick)), fmt.Sprint(s.increase(at, tick)); got != want {
				t.Fatalf("run %d: increaseFront(%d, %d) = %s, increase %s", run, at, tick, got, want)
			}
		}
	}
}
