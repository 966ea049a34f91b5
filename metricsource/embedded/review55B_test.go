package embedded

import (
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestReview55B_Guard_IdleArrivalsSettleAsWalkingGives (review 55B) is
// a passing guard on f9a9703: a function with no arrivals whose arrivals
// series already reads 0 is only marked seen (its drop left out of
// minDrop, taken to be there already). Were a drop missing from minDrop,
// sweep would skip the function as settled while its arrivals' points
// were due to be cut, and the store would differ from one walking every
// function at every scrape. The script is the one shape that takes the
// shortcut, again and again: functions called in bursts with their
// duration histogram (arrivals at a value, then 0 for long runs), on
// pages of every process kind (the same process, unknown, restarted,
// rebased: the arrivals of a rebased page are not asked), with scrapes
// missed (gaps), series missing from pages (an absence as the arrivals'
// last point), functions gone past the retention and back, and
// retentions and capacity windows that change (a keep that shrinks
// walks everything once). Both stores must hold the same points in every
// series, the same load times and memo flags, at every scrape.
func TestReview55B_Guard_IdleArrivalsSettleAsWalkingGives(t *testing.T) {
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	names := []string{"a", "b", "c", "d"}
	shortcuts := 0
	for run := range 40 {
		rng := rand.New(rand.NewPCG(uint64(run), 55))
		log := slog.New(slog.DiscardHandler)
		skip, walk := newStore("openfaas-fn", log), newStore("openfaas-fn", log)
		walk.walkAll = true
		w := time.Duration(10+rng.IntN(40)) * time.Second
		skip.capacityWindow, walk.capacityWindow = w, w
		retention := time.Duration(30+rng.IntN(400)) * time.Second
		vals := map[string]float64{}
		busyUntil := map[string]int{}
		at := time.Unix(1_700_000_000, 0)
		for scrape := range 700 {
			switch rng.IntN(120) {
			case 0:
				retention = time.Duration(30+rng.IntN(400)) * time.Second
			case 1:
				w := time.Duration(5+rng.IntN(60)) * time.Second
				skip.capacityWindow, walk.capacityWindow = w, w
			}
			step := time.Duration(1+rng.IntN(5)) * time.Second
			if rng.IntN(40) == 0 {
				step += time.Duration(rng.IntN(90)) * time.Second // scrapes missed: a gap
			}
			at = at.Add(step)
			proc := procSame
			switch rng.IntN(60) {
			case 0:
				proc = procUnknown
			case 1:
				proc = procRestarted
			case 2:
				proc = procRebased
			}
			var samples []Sample
			for _, n := range names {
				if rng.IntN(30) == 0 || (n == "d" && scrape%300 > 200) {
					continue // not on this page (d: gone past the retention, now and then)
				}
				if rng.IntN(25) == 0 {
					busyUntil[n] = scrape + rng.IntN(4) // a short burst, then idle
				}
				busy := scrape <= busyUntil[n]
				for _, m := range []string{MetricStarted, MetricInflight, MetricSecondsSum, MetricSecondsCount} {
					key := n + m
					if proc == procRestarted && m != MetricInflight {
						vals[key] = 0
					}
					if busy {
						switch m {
						case MetricStarted, MetricSecondsCount:
							vals[key] += float64(1 + rng.IntN(3))
						case MetricSecondsSum:
							vals[key] += 0.1 * float64(1+rng.IntN(3))
						}
					}
					v := vals[key]
					if m == MetricInflight && !busy {
						v = 0
					}
					if rng.IntN(80) == 0 {
						continue // this series missing from the page
					}
					code := ""
					if m == MetricSecondsSum || m == MetricSecondsCount {
						code = "200"
					}
					samples = append(samples, Sample{Metric: m, FunctionName: n, Code: code, Value: v})
				}
			}
			skip.ingest(at, samples, retention, proc)
			walk.ingest(at, samples, retention, proc)
			if len(skip.fns) != len(walk.fns) {
				t.Fatalf("run %d, scrape %d: %d functions, walking every one %d", run, scrape, len(skip.fns), len(walk.fns))
			}
			for ref, wf := range walk.fns {
				sf := skip.fns[ref]
				if sf == nil || len(sf.series) != len(wf.series) || sf.loadAt != wf.loadAt || sf.memoSet != wf.memoSet {
					t.Fatalf("run %d, scrape %d: %v differs from walking every function", run, scrape, ref)
				}
				for i := range wf.series {
					a, b := &sf.series[i], &wf.series[i]
					if a.key != b.key || a.seen != b.seen || a.lastT != b.lastT || !same(a.last, b.last) ||
						!slices.EqualFunc(a.pts, b.pts, func(p, q point) bool { return p.t == q.t && same(p.v, q.v) && p.c == q.c }) {
						t.Fatalf("run %d, scrape %d: %v's series %v: %v, walking every function %v", run, scrape, ref, b.key, a.pts, b.pts)
					}
				}
				if s := sf.arrivalsSeries(); s != nil && s.last == 0 && s.seen == skip.seq && s.lastT < at.UnixNano() && len(s.pts) > 1 {
					shortcuts++ // seen at 0 again, with a drop to keep
				}
			}
		}
	}
	if shortcuts < 1000 {
		t.Errorf("the arrivals were seen at 0 again %d times: the script hardly takes the shortcut it is about", shortcuts)
	}
	t.Logf("arrivals seen at 0 again, with a drop to keep: %d times", shortcuts)
}
