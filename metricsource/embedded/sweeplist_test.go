package embedded

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestSweepsListIsTheMap: the list sweep walks holds exactly the store's
// functions, each once, through functions appearing under one or two names,
// vanishing past the retention and coming back.
func TestSweepsListIsTheMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	st := newStore("openfaas-fn", nil)
	names := []string{"a", "b", "c", "d", "a.openfaas-fn", "e.other", "f"}
	counts := make([]float64, len(names))
	at := time.Unix(1_700_000_000, 0)
	for scrape := range 2000 {
		at = at.Add(time.Second)
		var samples []Sample
		for i, n := range names {
			if rng.IntN(4) != 0 {
				continue // not on this page
			}
			counts[i] += float64(rng.IntN(2))
			samples = append(samples, Sample{Metric: MetricStarted, FunctionName: n, Value: counts[i]})
			if rng.IntN(2) == 0 {
				samples = append(samples, Sample{Metric: MetricInflight, FunctionName: n, Value: float64(rng.IntN(3))})
			}
		}
		if rng.IntN(50) == 0 {
			samples = nil // a page without functions: all may go
		}
		st.ingest(at, samples, time.Duration(1+rng.IntN(20))*time.Second, procUnknown)
		if len(st.all) != len(st.fns) {
			t.Fatalf("scrape %d: the list holds %d functions, the map %d", scrape, len(st.all), len(st.fns))
		}
		for _, e := range st.all {
			if st.fns[e.ref] != e.fn || e.fn.gone {
				t.Fatalf("scrape %d: the list's %v is not the map's", scrape, e.ref)
			}
		}
	}
}

// TestSettledFunctionsAreWhatWalkingGives: sweep's skip of the functions
// whose series it would not change (function.settled) leaves the store as
// walking every function's series leaves it, through random gateways:
// counters that move or stand, series missing from scrapes and coming
// back, non-finite samples, duplicates, the duration histogram (and so the
// arrivals), functions vanishing past the retention, and capacity windows;
// retentions shorter and longer than MeanDurationWindow (each kind is cut
// at its own time), and retentions and capacity windows that change
// between scrapes.
func TestSettledFunctionsAreWhatWalkingGives(t *testing.T) {
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	names := []string{"a", "b", "c", "d.openfaas-fn", "d"}
	for run := range 60 {
		rng := rand.New(rand.NewPCG(uint64(run), 25))
		log := slog.New(slog.DiscardHandler)
		skip, walk := newStore("openfaas-fn", log), newStore("openfaas-fn", log)
		walk.walkAll = true
		if rng.IntN(2) == 0 {
			skip.capacityWindow, walk.capacityWindow = 20*time.Second, 20*time.Second
		}
		drawRetention := func() time.Duration {
			if rng.IntN(2) == 0 {
				return time.Duration(10+rng.IntN(60)) * time.Second
			}
			return MeanDurationWindow + time.Duration(rng.IntN(300))*time.Second
		}
		retention := drawRetention()
		vals := map[string]float64{}
		at := time.Unix(1_700_000_000, 0)
		for scrape := range 600 {
			switch rng.IntN(100) {
			case 0:
				retention = drawRetention()
			case 1:
				w := time.Duration(5+rng.IntN(60)) * time.Second
				skip.capacityWindow, walk.capacityWindow = w, w
			}
			at = at.Add(time.Duration(1+rng.IntN(3)) * time.Second)
			var samples []Sample
			for _, n := range names {
				if rng.IntN(6) == 0 {
					continue // the function is not on this page
				}
				busy := rng.IntN(3) == 0 && (n != "c" || scrape%200 < 20) // c: now and then
				for _, m := range []string{MetricTotal, MetricStarted, MetricInflight, MetricSecondsSum, MetricSecondsCount} {
					key := n + m
					if busy && rng.IntN(2) == 0 {
						vals[key] += float64(rng.IntN(3))
					}
					v := vals[key]
					switch rng.IntN(40) {
					case 0:
						continue // this series missing
					case 1:
						v = math.NaN()
					case 2:
						vals[key] = 0 // a reset
					}
					code := ""
					if m != MetricStarted && m != MetricInflight {
						code = "200"
					}
					samples = append(samples, Sample{Metric: m, FunctionName: n, Code: code, Value: v})
					if rng.IntN(60) == 0 {
						samples = append(samples, samples[len(samples)-1]) // a duplicate
					}
				}
			}
			skip.ingest(at, samples, retention, procUnknown)
			walk.ingest(at, samples, retention, procUnknown)
			if len(skip.fns) != len(walk.fns) {
				t.Fatalf("run %d, scrape %d: %d functions, walking every one %d", run, scrape, len(skip.fns), len(walk.fns))
			}
			for ref, w := range walk.fns {
				s := skip.fns[ref]
				if s == nil || len(s.series) != len(w.series) || s.loadAt != w.loadAt || s.memoSet != w.memoSet {
					t.Fatalf("run %d, scrape %d: %v differs from walking every function", run, scrape, ref)
				}
				for i := range w.series {
					a, b := &s.series[i], &w.series[i]
					if a.key != b.key || a.seen != b.seen || a.lastT != b.lastT || !same(a.last, b.last) ||
						(len(a.pts) > 1 && a.drop != b.drop) ||
						!slices.EqualFunc(a.pts, b.pts, func(p, q point) bool { return p.t == q.t && same(p.v, q.v) && p.c == q.c }) {
						t.Fatalf("run %d, scrape %d: %v's series %v: %v, walking every function %v", run, scrape, ref, b.key, a.pts, b.pts)
					}
				}
			}
		}
	}
}

// TestSettledByEachKindsCut: a function called a few times and quiet since
// for longer than the duration histogram is kept is settled (its counters'
// points, hours from the retention's cut, are not the histogram's five
// minutes from theirs), so sweep skips it at every scrape.
func TestSettledByEachKindsCut(t *testing.T) {
	st := newStore("openfaas-fn", slog.New(slog.DiscardHandler))
	at := time.Unix(1_700_000_000, 0)
	const every = 5 * time.Second
	scrape := func(calls float64) {
		at = at.Add(every)
		st.ingest(at, []Sample{
			{Metric: MetricTotal, FunctionName: "a", Code: "200", Value: calls},
			{Metric: MetricStarted, FunctionName: "a", Value: calls},
			{Metric: MetricInflight, FunctionName: "a", Value: 0},
			{Metric: MetricSecondsSum, FunctionName: "a", Code: "200", Value: calls / 10},
			{Metric: MetricSecondsCount, FunctionName: "a", Code: "200", Value: calls},
		}, time.Hour, procUnknown)
	}
	for _, calls := range []float64{0, 1, 2, 3} {
		scrape(calls)
	}
	for range int((MeanDurationWindow + time.Minute) / every) {
		scrape(3)
	}
	fn := st.fns[provider.Ref{Name: "a", Namespace: "openfaas-fn"}]
	if fn == nil {
		t.Fatal("no function a")
	}
	if !fn.settled(st.seq, at.UnixNano()) {
		t.Fatalf("a quiet for %s is walked at every scrape: its minDrop %s before the scrape", MeanDurationWindow+time.Minute,
			time.Duration(at.UnixNano()-fn.minDrop))
	}
	if total := fn.find(seriesKey{kind: kindTotal, name: "a", code: "200"}); total == nil || len(total.pts) < 3 {
		t.Fatalf("the invocation counter keeps %v, want its points within the retention", total)
	}
}
