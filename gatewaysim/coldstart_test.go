package gatewaysim

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// coldGateway is a gateway over a memory provider whose replicas take
// coldStart to become available (newGateway's is fixed at 2s), with the
// function deployed at replicas and none available yet.
func coldGateway(t *testing.T, replicas uint64, coldStart time.Duration, cfg Config) (*Gateway, *memory.Provider) {
	t.Helper()
	mem := memory.New(clock.Real(), memory.Options{ColdStart: coldStart})
	if err := mem.Deploy(provider.Function{Ref: ref, Replicas: replicas}); err != nil {
		t.Fatal(err)
	}
	cfg.Provider = mem
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, mem
}

// TestColdStartTimeoutIsForwardedAndStarted: when the scale-from-zero wait
// runs out, the OpenFaaS gateway forwards the request anyway
// (reference/openfaas.md:118, "After polling runs out the code forwards
// anyway, which then usually fails with 502"). The started counter "follows
// any scale-from-zero wait" (:17), and the completed event's code is "502 on
// transport error or timeout" (:16). So every timed-out request is counted
// once in gateway_function_invocation_started and once in
// gateway_function_invocation_total{code="502"}: started == total. Were they
// counted only in total (or under 504, a code the gateway never reports for
// this path), DerivedInflight (started − total) and any started-based idle
// query would miss requests that did reach for the function.
//
// Hand count (Step 100ms, 5 rps → one arrival every second tick from 0.3s,
// timeout 2s, replicas never ready): by 3.05s, at least the arrival at 0.3s
// has timed out; whatever the exact count, started must equal total and
// all must be 502.
func TestColdStartTimeoutIsForwardedAndStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: true, ColdStartTimeout: 2 * time.Second})
		g.SetWorkload(ref, Workload{Load: Constant(5), Duration: 100 * time.Millisecond})
		run(t, g, 3*time.Second+50*time.Millisecond)
		name := ref.String()
		started := counter(t, g, "started", name)
		c502 := counter(t, g, "total", name, "502")
		c504 := counter(t, g, "total", name, "504")
		if c502+c504 == 0 {
			t.Fatal("no request completed after the cold-start timeout")
		}
		if started != c502+c504 {
			t.Errorf("after the scale-from-zero timeout: started = %v, total = %v (502: %v, 504: %v); "+
				"want started == total: the gateway forwards the request after polling runs out", started, c502+c504, c502, c504)
		}
		if c504 != 0 || c502 == 0 {
			t.Errorf("timed-out requests counted as 504 ×%v, 502 ×%v; want all 502 (reference/openfaas.md:16,118)", c504, c502)
		}
	})
}

// TestColdStartTimeoutIsPerRequest: each request polls for up to the
// timeout on its own (reference/openfaas.md:117, "Poll every 100ms, up to
// MaxPollCount=1000 (about 100s), until availableReplicas > 0; the request
// blocks meanwhile"). A request that arrived a moment ago has not waited
// the timeout and must still be waiting, not fail with the oldest one.
//
// Hand count: Step 100ms, 5 rps, the first tick only sets the clock, so the
// carry is 0.5 at 0.2s and one request arrives at 0.3s, 0.5s, …, 2.3s (11
// requests). Timeout 2s. At 2.35s only the request of 0.3s has waited 2s:
// exactly 1 must have completed, 10 must still be waiting.
func TestColdStartTimeoutIsPerRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: true, ColdStartTimeout: 2 * time.Second})
		g.SetWorkload(ref, Workload{Load: Constant(5), Duration: 100 * time.Millisecond})
		run(t, g, 2*time.Second+350*time.Millisecond)
		name := ref.String()
		done := counter(t, g, "total", name, "502") + counter(t, g, "total", name, "504")
		if done != 1 {
			t.Errorf("requests completed by 2.35s with a 2s cold-start timeout = %v; want 1 (only the request of 0.3s has waited 2s; "+
				"those of 0.5s…2.3s have waited less and must still be polling)", done)
		}
	})
}

// TestScaleFromZeroAsksAgainWhenUndone: per /function/ call the gateway
// reads the function and, "If replicas==0, set com.openfaas.scale.min or 1"
// (reference/openfaas.md:113-116). So if the function is put back to zero
// (the idler, an operator) while requests wait, the next request asks for a
// replica again; remembering an earlier ask instead would leave the function
// at zero under steady traffic until the requests time out (100s by
// default).
//
// Hand count: 20 rps (2 per 100ms step), cold start 5s. After 1s the
// gateway has asked for 1 replica (one scale call). The test sets 0. In the
// next 2s about 40 more requests arrive at replicas == 0, each of which
// makes the real gateway ask again: want replicas 1.
func TestScaleFromZeroAsksAgainWhenUndone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := coldGateway(t, 0, 5*time.Second, Config{ScaleFromZero: true})
		g.SetWorkload(ref, Workload{Load: Constant(20), Duration: 100 * time.Millisecond})
		run(t, g, time.Second)
		if fn, _ := mem.Function(t.Context(), ref); fn.Replicas != 1 {
			t.Fatalf("replicas after requests at zero = %d, want 1", fn.Replicas)
		}
		if err := mem.Scale(t.Context(), ref, 0); err != nil { // undone while requests wait
			t.Fatal(err)
		}
		run(t, g, 2*time.Second)
		fn, _ := mem.Function(t.Context(), ref)
		if fn.Replicas != 1 {
			t.Errorf("replicas after 2s more of 20 rps at zero = %d, want 1: every request at replicas==0 asks for a replica", fn.Replicas)
		}
	})
}
