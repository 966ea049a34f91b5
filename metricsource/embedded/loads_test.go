package embedded

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestLoadsAlignedIsLoadAlignedPerWindow: two sources fed the same random
// gateway (in-flight gauges that hold for minutes and then change, split
// over two gateway replicas now and then, vanish and come back; calls
// whose arrivals can outdo the gauge; scrapes late, missed, or asked about
// long after) answer, one each window of a random set through LoadAligned
// one after another, the other the whole set through LoadsAligned: every
// reading, every error and every array left as it was on an error are the
// same, at every query, for windows shorter and longer than the history,
// one that is invalid, a type the store cannot answer, and in either
// order. As they are the same source, a memo that one way keeps and the
// other does not shows as a difference later. The script must reach each
// of function.peaks' ways and a query after the short window's start had
// passed the last scrape. Seen failing with maxOver2's value in effect at
// the short window's start kept through an absence, with the walk stopped
// at the last scrape before reaching the short window's start, and with
// the memo not set by the combined walk.
func TestLoadsAlignedIsLoadAlignedPerWindow(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { compareLoads(t, seed) })
		})
	}
}

// peaksWays counts which of function.peaks' ways a pair's reads take.
type peaksWays struct{ quiet, memo, walkSet, walk, late int }

func compareLoads(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 17))
	cfg := DefaultConfig()
	cfg.Interval = 5 * time.Second
	one, err := New(cfg) // asked a window at a time
	if err != nil {
		t.Fatal(err)
	}
	all, err := New(cfg) // asked every window in one call
	if err != nil {
		t.Fatal(err)
	}
	const n = 10 // past minPositional: the positional cache answers
	fns := make([]provider.Function, n+1)
	for i := range fns { // the last one never appears
		fns[i].Ref = provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: DefaultNamespace}
	}
	inflight, started, secs := make([]float64, n), make([]float64, n), make([]float64, n)
	split := make([]bool, n) // the gauge over two gateway replicas
	away := make([]int, n)   // scrapes left without the in-flight gauge
	windows := []time.Duration{500 * time.Millisecond, 2 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 10 * time.Minute}
	var ways peaksWays
	var bufOne, bufAll [][]metricsource.Reading
	for scrape := range 400 {
		var samples []Sample
		for i := range n {
			name := fns[i].Ref.Name
			if rnd.IntN(30) == 0 {
				c := float64(1 + rnd.IntN(8))
				started[i] += c
				secs[i] += 0.5 * c
			}
			switch {
			case away[i] > 0:
				away[i]--
			case rnd.IntN(50) == 0:
				away[i] = 1 + rnd.IntN(15)
			case rnd.IntN(25) == 0:
				inflight[i] = float64(rnd.IntN(5))
			case rnd.IntN(60) == 0:
				split[i] = !split[i]
			}
			samples = append(samples,
				Sample{Metric: MetricStarted, FunctionName: name, Value: started[i]},
				Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: started[i]},
				Sample{Metric: MetricSecondsSum, FunctionName: name, Code: "200", Value: secs[i]},
				Sample{Metric: MetricSecondsCount, FunctionName: name, Code: "200", Value: started[i]})
			switch {
			case away[i] > 0:
			case split[i]:
				samples = append(samples,
					Sample{Metric: MetricInflight, FunctionName: name, Instance: `pod="a"`, Value: inflight[i]},
					Sample{Metric: MetricInflight, FunctionName: name, Instance: `pod="b"`, Value: float64(rnd.IntN(2))})
			default:
				samples = append(samples, Sample{Metric: MetricInflight, FunctionName: name, Value: inflight[i]})
			}
		}
		if rnd.IntN(40) != 0 { // else a missed scrape
			one.Observe(time.Now(), samples)
			all.Observe(time.Now(), samples)
		}
		// Asked at once, or later: past the short window's start, or
		// past the longest gap allowed.
		switch rnd.IntN(8) {
		case 0:
			time.Sleep(11 * time.Second)
		case 1:
			time.Sleep(time.Duration(rnd.IntN(5)) * time.Second) // a window's start at a scrape, often
		}
		for range 2 { // twice: the second reads what the first left (memo)
			typ := metricsource.TypeCapacity
			switch rnd.IntN(10) {
			case 0:
				typ = metricsource.TypeRPS
			case 1:
				if rnd.IntN(5) == 0 {
					typ = metricsource.TypeQueue
				}
			}
			ws := make([]metricsource.WindowReadings, 1+rnd.IntN(3))
			if rnd.IntN(4) != 0 {
				ws = make([]metricsource.WindowReadings, 2) // the scaler's two: mostly the longer first
				ws[0].Window, ws[1].Window = time.Minute, 10*time.Second
			}
			for k := range ws {
				if k >= 2 || rnd.IntN(5) == 0 {
					ws[k].Window = windows[rnd.IntN(len(windows))]
				}
			}
			for len(bufOne) < len(ws) {
				bufOne, bufAll = append(bufOne, nil), append(bufAll, nil)
			}
			for k := range ws {
				ws[k].R = bufAll[k]
			}
			countWays(all, fns, ws, typ, &ways)
			all.LoadsAligned(t.Context(), typ, fns, ws)
			for k := range ws {
				q := metricsource.LoadQuery{Type: typ, Window: ws[k].Window}
				got, werr := one.LoadAligned(t.Context(), q, fns, bufOne[k])
				if fmt.Sprint(werr) != fmt.Sprint(ws[k].Err) {
					t.Fatalf("scrape %d, %v of %v: error %v; one at a time %v", scrape, q, windowsOf(ws), ws[k].Err, werr)
				}
				if len(got) != len(ws[k].R) || sameArray(got, bufOne[k]) != sameArray(ws[k].R, bufAll[k]) {
					t.Fatalf("scrape %d, %v of %v: %d readings, in the array given %v; one at a time %d, %v", scrape, q, windowsOf(ws),
						len(ws[k].R), sameArray(ws[k].R, bufAll[k]), len(got), sameArray(got, bufOne[k]))
				}
				for i := range got {
					if got[i] != ws[k].R[i] {
						t.Fatalf("scrape %d, %v of %v, %s: %+v; one at a time %+v", scrape, q, windowsOf(ws), fns[i].Ref.Name, ws[k].R[i], got[i])
					}
				}
				if ws[k].Err == nil && len(got) > 0 {
					// Filled anew: the arrays given are reused next time.
					bufOne[k], bufAll[k] = got, ws[k].R
				}
			}
			for i := range n {
				a, b := one.st.fns[fns[i].Ref], all.st.fns[fns[i].Ref]
				if (a == nil) != (b == nil) || a != nil && (a.memoSet != b.memoSet || a.memoSet && a.memo() != b.memo()) {
					t.Fatalf("scrape %d, %s of %v: the memos differ", scrape, typ, windowsOf(ws))
				}
			}
		}
		time.Sleep(time.Duration(3+rnd.IntN(4)) * time.Second)
	}
	if ways.quiet < 300 || ways.memo < 300 || ways.walkSet < 200 || ways.walk < 1000 || ways.late < 20 {
		t.Errorf("the script reached peaks' ways %+v: too few of one", ways)
	}
}

// TestMaxOver2IsMaxOverTwice: over random series (values that rise and
// fall, absences, points before, inside and after both windows), maxOver2
// is maxOver over each window, whichever side of the short window's start
// to falls on and with windows starting on a point. Seen failing with a
// point after to counted in the long window, a point at the short
// window's start counted inside it, the value in effect there taken from
// the point before the last, and an absence read as a value.
func TestMaxOver2IsMaxOverTwice(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 8))
	for range 20000 {
		var s series
		for tm := int64(rnd.IntN(3)); tm < 40; tm += int64(1 + rnd.IntN(4)) {
			if rnd.IntN(6) == 0 {
				s.markAbsent(tm)
			} else {
				s.add(tm, float64(rnd.IntN(6)))
			}
		}
		fromL := int64(rnd.IntN(45)) - 2
		fromS := fromL + int64(rnd.IntN(20))
		to := int64(rnd.IntN(50))
		mL, okL, mS, okS := s.maxOver2(fromL, fromS, to)
		wL, wokL := s.maxOver(fromL, to)
		wS, wokS := s.maxOver(fromS, to)
		if mL != wL || okL != wokL || mS != wS || okS != wokS {
			t.Fatalf("%v over [%d, %d] and [%d, %d]: %v %v, %v %v; maxOver says %v %v, %v %v",
				s.pts, fromL, to, fromS, to, mL, okL, mS, okS, wL, wokL, wS, wokS)
		}
	}
}

// sameArray: a and b share their first element.
func sameArray(a, b []metricsource.Reading) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// windowsOf is ws's windows, for messages.
func windowsOf(ws []metricsource.WindowReadings) []time.Duration {
	var out []time.Duration
	for _, w := range ws {
		out = append(out, w.Window)
	}
	return out
}

// countWays counts, for a pair src reads in one walk, which of
// function.peaks' ways each function's reads take.
func countWays(src *Source, fns []provider.Function, ws []metricsource.WindowReadings, typ string, ways *peaksWays) {
	if typ != metricsource.TypeCapacity || len(ws) != 2 || ws[0].Window < ws[1].Window || ws[1].Window < time.Second || len(src.st.scrapes) < 2 {
		return
	}
	now := time.Now().UnixNano()
	fromL, fromS := now-ws[0].Window.Nanoseconds(), now-ws[1].Window.Nanoseconds()
	if last := src.st.scrapes[len(src.st.scrapes)-1]; last < fromS && now-last <= src.maxGap().Nanoseconds() {
		ways.late++
	}
	for _, f := range fns {
		fn := src.st.fns[f.Ref]
		switch {
		case fn == nil:
		case fn.loadAt <= fromL:
			ways.quiet++
		case fn.loadAt <= fromS && fn.memoSet:
			ways.memo++
		case fn.loadAt <= fromS:
			ways.walkSet++
		default:
			ways.walk++
		}
	}
}

// TestLoadsAlignedKeepsNoArray: a call whose every window fails leaves
// each array as it was and looks nothing up.
func TestLoadsAlignedKeepsNoArray(t *testing.T) {
	src, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	buf := []metricsource.Reading{{Value: 3, Has: true}}
	ws := []metricsource.WindowReadings{{Window: time.Minute, R: buf}, {Window: 10 * time.Second}}
	src.LoadsAligned(t.Context(), metricsource.TypeCapacity, []provider.Function{{Ref: fnRef("a")}}, ws)
	if ws[0].Err == nil || ws[1].Err == nil || !slices.Equal(ws[0].R, buf) || ws[1].R != nil {
		t.Errorf("before a scrape: %+v; want both failing, the arrays as given", ws)
	}
}
