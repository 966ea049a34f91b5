package gatewaysim

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// review50SumTotal is gateway_function_invocation_total over every code of fn.
func review50SumTotal(t *testing.T, g *Gateway, fn string) float64 {
	t.Helper()
	mfs, err := g.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "gateway_function_invocation_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "function_name" && l.GetValue() == fn {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

// TestReview50LoadPatternIntegratesTheRate: a --load pattern must offer the
// requests it asks for (Pattern.Arrivals). stepFunction instead samples the
// rate at the step's end (RateAt(now)) and charges it for the whole step, so
// a phase boundary is shifted by one step into the previous phase, and a
// phase shorter than the step is aliased: "50ms@100,950ms@0" (5 rps on
// average) is sampled at 1 s, 2 s, … only, always in the 100 rps phase.
func TestReview50LoadPatternIntegratesTheRate(t *testing.T) {
	t.Run("short phase", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g, _ := newGateway(t, 1, nil, Config{})
			p, err := ParsePattern("50ms@100,950ms@0")
			if err != nil {
				t.Fatal(err)
			}
			g.SetWorkload(ref, Workload{Load: p, Duration: 10 * time.Millisecond})
			run(t, g, 10*time.Second+50*time.Millisecond)
			// Asked: p.Arrivals(10s) = 50 (45 without the first tick's
			// 100 ms, which only sets the clock).
			if got := counter(t, g, "started", ref.String()); got < 40 || got > 55 {
				t.Errorf("pattern 50ms@100,950ms@0 (5 rps mean) over 10 s: %v requests started, want about %v", got, p.Arrivals(10*time.Second))
			}
		})
	})
	t.Run("phase boundary", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			g, _ := newGateway(t, 1, nil, Config{})
			p, err := ParsePattern("10s@5,20s@120,30s@0")
			if err != nil {
				t.Fatal(err)
			}
			g.SetWorkload(ref, Workload{Load: p, Duration: 10 * time.Millisecond})
			run(t, g, 10*time.Second+50*time.Millisecond)
			// The first 10 s are the 5 rps phase: 50 asked (49.5 without
			// the first tick). The 120 rps phase starts at 10 s, not at 9.9 s.
			if got := counter(t, g, "started", ref.String()); got > 51 {
				t.Errorf("first 10 s of 10s@5,20s@120,…: %v requests started, want at most %v (the 5 rps phase)", got, p.Arrivals(10*time.Second))
			}
		})
	})
	t.Run("rate set mid-step", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// PUT /sim/load 1 ms before a tick: the step charges the new
			// rate for the whole 100 ms since the last tick, before it was set.
			g, _ := newGateway(t, 1, nil, Config{})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { defer close(done); _ = g.Run(ctx) }()
			time.Sleep(time.Second + 99*time.Millisecond) // last tick at 1.0 s
			g.SetRPS(ref, 1000)
			time.Sleep(2 * time.Millisecond) // the tick at 1.1 s has run
			synctest.Wait()
			got := counter(t, g, "started", ref.String())
			cancel()
			<-done
			if got > 2 {
				t.Errorf("1000 rps set 1 ms before a tick: %v requests started at that tick, want about 1", got)
			}
		})
	})
}

// TestReview50RemovedFunctionsRequestsEnd: requests under way when their
// function is deleted still end on a real gateway (the pods drain, or the
// proxy reports an error), so gateway_function_invocation_total catches up
// with _started and the in-flight gauge falls to 0. Step skips a function
// the provider no longer has, so its running requests never end: started −
// total and gateway_function_invocation_inflight stay up for good.
func TestReview50RemovedFunctionsRequestsEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := newGateway(t, 1, nil, Config{Inflight: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 5 * time.Second})
		run(t, g, 2*time.Second)
		name := ref.String()
		if got := counter(t, g, "inflight", name); got < 10 {
			t.Fatalf("in flight before the removal = %v, want about 19", got)
		}
		if err := mem.Remove(ref); err != nil {
			t.Fatal(err)
		}
		run(t, g, 30*time.Second)
		started, total := counter(t, g, "started", name), review50SumTotal(t, g, name)
		if started != total {
			t.Errorf("30 s after the function was removed (calls last 5 s): started %v, total %v; want every started call ended", started, total)
		}
		if got := counter(t, g, "inflight", name); got != 0 {
			t.Errorf("in-flight gauge 30 s after the removal = %v, want 0", got)
		}
	})
}

// TestReview50ScaleFromZeroRefusesBadFactor: the gateway's scale-from-zero
// lookup (ExternalServiceQuery.GetReplicas) fails for a
// com.openfaas.scale.factor outside 1..100, and the request is answered 404
// "error finding function" without waking it (reference/openfaas.md §2 step
// 3 and §3 "Errors: 404 … if the lookup fails (e.g. bad labels)"). The
// simulated gateway wakes such a function anyway.
func TestReview50ScaleFromZeroRefusesBadFactor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := newGateway(t, 0, map[string]string{"com.openfaas.scale.factor": "0"}, Config{ScaleFromZero: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 50 * time.Millisecond})
		run(t, g, 5*time.Second)
		fn, err := mem.Function(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		if fn.Replicas != 0 {
			t.Errorf("replicas after calls to a function at zero with com.openfaas.scale.factor=0 = %d, want 0 (the gateway's lookup fails: 404, no scale)", fn.Replicas)
		}
		if got := counter(t, g, "started", ref.String()); got != 0 {
			t.Errorf("started = %v, want 0: the lookup's 404 is answered before the proxy", got)
		}
	})
}
