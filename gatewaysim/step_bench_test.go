package gatewaysim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// benchGateway is a gateway over n warm functions of one replica each, every
// one with workload w (offsets spread over the pattern's period, as
// `faas-autoscaler gateway` spreads its fleet), stepped by hand.
func benchGateway(b *testing.B, n int, w Workload, inflight bool) (*Gateway, time.Time) {
	b.Helper()
	mem := memory.New(clock.Real(), memory.Options{})
	g, err := New(Config{Provider: mem, Inflight: inflight})
	if err != nil {
		b.Fatal(err)
	}
	period := w.Load.Period()
	for i := range n {
		ref := provider.Ref{Name: fmt.Sprintf("fn-%d", i), Namespace: "openfaas-fn"}
		if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 1, AvailableReplicas: 1}); err != nil {
			b.Fatal(err)
		}
		fw := w
		if n > 1 && period > 0 {
			fw.Offset = period * time.Duration(i) / time.Duration(n)
		}
		g.SetWorkload(ref, fw)
	}
	return g, time.Now()
}

// BenchmarkStep is one 100 ms step of the simulated gateway: a fleet of
// 10,000 functions at the footprint benchmark's rate (one call each 20 s,
// every 5 s poll of gateway_service_count included at its share), and single
// functions at high rates, unlimited and capped by max_inflight.
func BenchmarkStep(b *testing.B) {
	for _, tc := range []struct {
		name     string
		n        int
		w        Workload
		inflight bool
	}{
		{"fleet10000-1per20s-50ms", 10000, Workload{Load: Constant(0.05), Duration: 50 * time.Millisecond}, false},
		{"one-1000rps-50ms", 1, Workload{Load: Constant(1000), Duration: 50 * time.Millisecond}, true},
		{"one-1000rps-50ms-max50", 1, Workload{Load: Constant(1000), Duration: 50 * time.Millisecond, Concurrency: 50}, true},
		{"one-100000rps-2s", 1, Workload{Load: Constant(100000), Duration: 2 * time.Second}, true},
		{"one-100000rps-2s-max1000", 1, Workload{Load: Constant(100000), Duration: 2 * time.Second, Concurrency: 1000}, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g, now := benchGateway(b, tc.n, tc.w, tc.inflight)
			ctx := context.Background()
			const step = 100 * time.Millisecond
			for range 50 { // past the first poll and into steady state
				now = now.Add(step)
				g.Step(ctx, now)
			}
			b.ResetTimer()
			for b.Loop() {
				now = now.Add(step)
				g.Step(ctx, now)
			}
		})
	}
}
