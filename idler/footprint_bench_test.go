package idler

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// BenchmarkKeptState measures what the idler holds between cycles for
// 100,000 functions without labels, every one called (the footprint
// benchmark's FOOTPRINT_LOAD fleet, issue 12): the live heap after three
// cycles with the idler kept, less the live heap once it is dropped. The
// listing, the source's series and the actuator stay in both. It also
// reports what the third cycle allocated (the listing's copy included).
func BenchmarkKeptState(b *testing.B) {
	const n = 100_000
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	p := &benchProvider{byNS: map[string][]provider.Function{}, nss: []string{"openfaas-fn"}}
	src := &staticSource{act: metricsource.Activity{Covered: true, Started: metricsource.Values{}, Inflight: metricsource.Values{}}}
	for i := range n {
		fn := provider.Function{Ref: provider.Ref{Name: fmt.Sprintf("fn-%06d", i), Namespace: "openfaas-fn"},
			Replicas: 1, AvailableReplicas: 1, CreatedAt: now.Add(-48 * time.Hour)}
		p.byNS["openfaas-fn"] = append(p.byNS["openfaas-fn"], fn)
		src.act.Started[fn.Ref] = 5
		src.act.Inflight[fn.Ref] = 0
	}
	clk := &benchClock{now}
	act := benchActuator(b, p, clk)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var kept, cycle uint64
	for b.Loop() {
		d, err := New(Config{Provider: p, Actuator: act, Source: src, Registerer: prometheus.NewRegistry(), Clock: clk})
		if err != nil {
			b.Fatal(err)
		}
		var before runtime.MemStats
		for c := range 3 {
			if c == 2 {
				runtime.ReadMemStats(&before)
			}
			if rep := d.RunOnce(context.Background(), now.Add(time.Duration(c)*time.Minute)); rep.Functions != n {
				b.Fatalf("cycle saw %d functions, want %d", rep.Functions, n)
			}
		}
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		cycle = after.TotalAlloc - before.TotalAlloc
		with := heap()
		runtime.KeepAlive(d)
		kept = with - heap()
	}
	b.ReportMetric(float64(kept)/1e6, "kept-MB")
	b.ReportMetric(float64(kept)/n, "kept-B/function")
	b.ReportMetric(float64(cycle)/1e6, "cycle-alloc-MB")
	runtime.KeepAlive(p)
	runtime.KeepAlive(src)
	runtime.KeepAlive(act)
}
