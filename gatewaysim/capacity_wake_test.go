package gatewaysim_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestCapacityAfterWakeIsTheFunctionsConcurrency: what the
// duration mismatch does to the controller. A CE gateway (no in-flight
// gauge), the embedded source scraping it every second as in the embedded
// default, a function at zero woken by 100 rps of 50ms calls, the memory
// provider's 2s cold start (the embedded default's). The function's real
// concurrency is 100 × 0.05 = 5; on a real gateway the capacity load (the
// started rate × the mean of gateway_functions_seconds) reads ≈5 once the
// replica serves. The simulated gateway puts the ~1s average wait of the
// ~200 held requests into the mean, and the controller reads over twice
// that for the minutes the mean window holds them: with a capacity target
// of 5 it wants 3 replicas for a function that needs 1.
// Found by a review helper.
func TestCapacityAfterWakeIsTheFunctionsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
		clk := clock.Real()
		mem := memory.New(clk, memory.Options{ColdStart: 2 * time.Second})
		if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 0}); err != nil {
			t.Fatal(err)
		}
		gw, err := gatewaysim.New(gatewaysim.Config{Provider: mem, Clock: clk, ScaleFromZero: true})
		if err != nil {
			t.Fatal(err)
		}
		gw.SetWorkload(ref, gatewaysim.Workload{Load: gatewaysim.Constant(100), Duration: 50 * time.Millisecond})
		got := capacityAfter30s(t, gw, clk, ref)
		if got > 6 {
			t.Errorf("capacity load 30s after a wake from zero (last 10s, replica serving all along) = %.2f; want ≈5 "+
				"(100 rps × 50ms): the scale-from-zero wait is in the simulated gateway's durations", got)
		}
	})
}

// TestCapacityReadingOfAWarmFunction: what the in-flight lifetime does to
// the controller. A warm function (one replica, no cold start in the
// window) at 100 rps of 50 ms calls (SetRPS's default duration) has a
// concurrency of 5. The embedded source scraping the simulated Pro gateway
// (in-flight gauge on, as the embedded default and the e2e stack run it)
// reads the capacity load as the gauge's peak, which must be ≈ 5, so that a
// capacity target of 5 (× 0.9) asks for the 2 replicas that serve it.
//
// Seen failing before the fix: capacity load 10.00 (3 replicas asked).
func TestCapacityReadingOfAWarmFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
		clk := clock.Real()
		mem := memory.New(clk, memory.Options{})
		if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 1, AvailableReplicas: 1}); err != nil {
			t.Fatal(err)
		}
		gw, err := gatewaysim.New(gatewaysim.Config{Provider: mem, Clock: clk, Inflight: true})
		if err != nil {
			t.Fatal(err)
		}
		gw.SetWorkload(ref, gatewaysim.Workload{Load: gatewaysim.Constant(100), Duration: 50 * time.Millisecond})
		got := capacityAfter30s(t, gw, clk, ref)
		t.Logf("capacity load %.2f", got)
		if got > 6 {
			t.Errorf("capacity load of a warm function at 100 rps × 50 ms (concurrency 5) = %.2f; want ≈ 5", got)
		}
	})
}

// capacityAfter30s runs gw and the embedded source scraping it every second
// (the embedded default's) for 30 s, and returns ref's capacity load over
// the last 10 s.
func capacityAfter30s(t *testing.T, gw *gatewaysim.Gateway, clk clock.Clock, ref provider.Ref) float64 {
	t.Helper()
	ec := embedded.DefaultConfig()
	ec.Fetch, ec.Clock, ec.Interval = gw.Scrape, clk, time.Second
	src, err := embedded.New(ec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { _ = gw.Run(ctx) })
	wg.Go(func() { _ = src.Run(ctx) })
	time.Sleep(30 * time.Second)
	v, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 10 * time.Second})
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	got, ok := v[ref]
	if !ok {
		t.Fatal("no capacity reading")
	}
	return got
}
