package keepalive

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// BenchmarkEntries100k reports the live heap a Policy holds for 100,000
// functions, each counted by the gateway in a few steps (ObserveCount, as
// the feeder learns them): "unplanned" asks no plan (a function with a
// fixed zero-duration, most of a fleet), "planned" asks each one the
// idler's KeepAlive (zero-duration auto). issue 12: the controller within
// 256 MiB at 100,000 functions.
func BenchmarkEntries100k(b *testing.B) {
	for _, planned := range []bool{false, true} {
		name := "unplanned"
		if planned {
			name = "planned"
		}
		b.Run(name, func(b *testing.B) {
			const n = 100_000
			refs := make([]provider.Ref, n)
			for i := range refs {
				refs[i] = provider.Ref{Name: "fn-" + strconv.Itoa(i), Namespace: "openfaas-fn"}
			}
			start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			var perFn float64
			for b.Loop() {
				before := liveHeap()
				p, _ := New(Default())
				// Three counted steps: two idle times each, a few calls in a step.
				for _, m := range []int{0, 7, 19} {
					end := start.Add(time.Duration(m) * time.Minute)
					for i, ref := range refs {
						p.ObserveCount(ref, end, time.Minute, 1+i%3)
					}
				}
				if planned {
					now := start.Add(25 * time.Minute)
					for _, ref := range refs {
						p.KeepAlive(ref, 15*time.Minute, 1, now)
					}
				}
				perFn = float64(liveHeap()-before) / n
				runtime.KeepAlive(p)
			}
			b.ReportMetric(perFn, "B/fn")
			b.ReportMetric(perFn*n/1e6, "MB/100k")
		})
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkHistories100k reports the live heap a Policy holds for 100,000
// functions each called every 30 s and read every 15 s by the feeder, after
// steps steps: "12m" is where the 100,000-function footprint run ends (about
// 20 idle times a function), "full" well past it. The fleet's budget is 20
// idle times a function at 100,000 (2 × MinSamples, the share's floor), so
// both end at it; under session 30's budget of 4 million, 40 a function,
// "12m" held 23 idle times and 36.7 MB, "full" 40 and 47.9 MB.
func BenchmarkHistories100k(b *testing.B) {
	for _, c := range []struct {
		name  string
		steps int
	}{{"12m", 48}, {"full", 200}} {
		b.Run(c.name, func(b *testing.B) {
			const n = 100_000
			refs := make([]provider.Ref, n)
			for i := range refs {
				refs[i] = provider.Ref{Name: "fn-" + strconv.Itoa(i), Namespace: "openfaas-fn"}
			}
			start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			var perFn, held float64
			for b.Loop() {
				before := liveHeap()
				p, _ := New(Default())
				for s := range c.steps {
					end := start.Add(time.Duration(s+1) * 15 * time.Second)
					p.Listed(end, func(provider.Ref) bool { return true })
					for i, ref := range refs {
						if (s+i)%2 == 0 { // every other 15 s step: a call each 30 s
							p.ObserveCount(ref, end, 15*time.Second, 1)
						}
					}
				}
				perFn = float64(liveHeap()-before) / n
				held = float64(heldIdleTimes(p)) / n
				runtime.KeepAlive(p)
			}
			b.ReportMetric(held, "idle-times/fn")
			b.ReportMetric(perFn, "B/fn")
			b.ReportMetric(perFn*n/1e6, "MB/100k")
		})
	}
}
