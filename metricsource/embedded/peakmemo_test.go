package embedded

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPeakMemoIsThePeakRead: through random gateways whose functions hold
// their in-flight gauge for minutes, change it, vanish and come back, and
// are called now and then (the arrivals), every capacity reading at every
// scrape, over windows shorter and longer than a function's quiet spells,
// is the peak read from the series themselves (peakOver), whether or not
// it came from the memo. The script must reach the memo many times, and
// read a function again after a change that ended one of its quiet spells.
// Seen failing with the memo kept through a vanished gauge (markAbsent's
// change not recorded), through a change of the arrivals, and when the
// window's start was not compared with the last change.
func TestPeakMemoIsThePeakRead(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { comparePeaks(t, seed) })
		})
	}
}

func comparePeaks(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 9))
	cfg := DefaultConfig()
	cfg.Interval = 5 * time.Second
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	fns := make([]provider.Function, n)
	inflight, started, secs := make([]float64, n), make([]float64, n), make([]float64, n)
	away := make([]int, n) // scrapes left without the function's in-flight gauge
	for i := range fns {
		fns[i].Ref = provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: DefaultNamespace}
	}
	var out []metricsource.Reading
	var hits, rereads int
	memoOnce := make([]bool, n) // a memo was read since the function's last change
	for scrape := range 300 {
		var samples []Sample
		for i := range fns {
			name := fns[i].Ref.Name
			if rnd.IntN(40) == 0 {
				c := float64(1 + rnd.IntN(4)) // a few calls, each of 0.3 s
				started[i] += c
				secs[i] += 0.3 * c
			}
			switch {
			case away[i] > 0:
				away[i]--
			case rnd.IntN(60) == 0:
				away[i] = 1 + rnd.IntN(20)
			default:
				if rnd.IntN(30) == 0 {
					inflight[i] = float64(rnd.IntN(4))
				}
			}
			samples = append(samples,
				Sample{Metric: MetricStarted, FunctionName: name, Value: started[i]},
				Sample{Metric: MetricTotal, FunctionName: name, Code: "200", Value: started[i]},
				Sample{Metric: MetricSecondsSum, FunctionName: name, Code: "200", Value: secs[i]},
				Sample{Metric: MetricSecondsCount, FunctionName: name, Code: "200", Value: started[i]})
			if away[i] == 0 {
				samples = append(samples, Sample{Metric: MetricInflight, FunctionName: name, Value: inflight[i]})
			}
		}
		src.Observe(time.Now(), samples)
		to := time.Now().UnixNano()
		for _, w := range []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute} {
			q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: w}
			before := make([]bool, n)
			for i := range fns {
				fn := src.st.fns[fns[i].Ref]
				before[i] = fn != nil && fn.memoSet && fn.loadAt <= to-w.Nanoseconds()
			}
			out, err = src.LoadAligned(t.Context(), q, fns, out)
			if err != nil {
				continue // too little history for the window yet
			}
			for i := range fns {
				fn := src.st.fns[fns[i].Ref]
				if fn == nil {
					t.Fatalf("scrape %d: %s not in the store", scrape, fns[i].Ref)
				}
				if before[i] {
					hits++
					memoOnce[i] = true
				} else if memoOnce[i] && fn.loadAt > to-w.Nanoseconds() {
					rereads++
					memoOnce[i] = false
				}
				want := fn.peakOver(to-w.Nanoseconds(), to).reading()
				if out[i] != want {
					t.Fatalf("scrape %d, window %s, %s: %+v, the series say %+v (memo read: %v)", scrape, w, fns[i].Ref, out[i], want, before[i])
				}
			}
		}
		time.Sleep(5 * time.Second)
	}
	if hits < 1000 || rereads < 20 {
		t.Errorf("the memo was read %d times and left after a change %d times: the script does not exercise it", hits, rereads)
	}
}
