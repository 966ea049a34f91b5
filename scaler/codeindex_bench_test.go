package scaler

import (
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// BenchmarkDecisionCounts100k measures what a fleet of 100,000 called
// functions holds for its decision counts and what one /metrics scrape's
// snapshot allocates for them (issue 12's footprint). Each function has
// had three reason codes, as a busy fleet's functions have (scaling up,
// down and holding): append grows a function's counts to room for four.
//
//	counts-B            bytes the functions' counts hold between scrapes
//	snapshot-counts-B   bytes of the snapshot's counts slice, each scrape
//	B/op                the whole snapshot (rows and counts), each scrape
func BenchmarkDecisionCounts100k(b *testing.B) {
	const n = 100_000
	l := &Loop{fns: make(map[provider.Ref]*fnState, n)}
	codes := []ReasonCode{CodeSteady, CodeScaleUp, CodeScaleDown}
	var held uintptr
	for i := range n {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%06d", i), Namespace: "openfaas-fn"}
		fs := &fnState{ref: ref, decided: true}
		for j, code := range codes {
			for range j + 1 {
				fs.counts = countDecision(fs.counts, code)
			}
		}
		held += uintptr(cap(fs.counts)) * unsafe.Sizeof(fs.counts[0])
		l.fns[ref] = fs
	}
	c := fnSeries{l: l}
	_, counts := c.snapshot() // sorts and keeps the order, as the first scrape does
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		_, counts = c.snapshot()
	}
	b.ReportMetric(float64(held), "counts-B")
	b.ReportMetric(float64(uintptr(cap(counts))*unsafe.Sizeof(counts[0])), "snapshot-counts-B")
}
