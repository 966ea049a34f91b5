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
		if got > 6 {
			t.Errorf("capacity load 30s after a wake from zero (last 10s, replica serving all along) = %.2f; want ≈5 "+
				"(100 rps × 50ms): the scale-from-zero wait is in the simulated gateway's durations", got)
		}
	})
}
