package gatewaysim

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// review51VCodes is gateway_function_invocation_total of fn by code.
func review51VCodes(t *testing.T, g *Gateway, fn string) map[string]float64 {
	t.Helper()
	mfs, err := g.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "gateway_function_invocation_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var name, code string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "function_name":
					name = l.GetValue()
				case "code":
					code = l.GetValue()
				}
			}
			if name == fn {
				out[code] += m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// TestReview51VNoScaleFromZeroForwardsAtOnce: without scale_from_zero the
// gateway has no scaling handler in front of its proxy (faas gateway
// main.go wraps the proxy in MakeScalingHandler only when ScaleFromZero is
// on), so a call to a function with no ready replica is forwarded at once:
// faas-provider's proxy answers 503 "No endpoints available" (or the
// upstream fails, 502), and the notifier counts it started and completed
// with that code. Nothing waits and nothing wakes the function.
//
// Config.ScaleFromZero's doc says only the wake-and-wait is what
// scale_from_zero=true does, but Step holds every arrival of a function
// with AvailableReplicas == 0 whatever ScaleFromZero says (step.go,
// `if len(st.waiting) > 0 || fn.AvailableReplicas == 0`), up to
// ColdStartTimeout (100 s by default), and only then ends them with 502.
// So a CE gateway without scale_from_zero shows, for 100 s, no traffic at
// all to a function at zero (started and total flat: an idler reads it as
// idle) instead of a stream of errors; the in-flight gauge climbs with
// requests that a real gateway answered long ago. (The existing
// TestGatewayTimesOutColdStarts pins the held behaviour with
// ScaleFromZero: false; it would change with a fix.)
func TestReview51VNoScaleFromZeroForwardsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas uint64 // desired; none available
	}{
		{"at zero", 0},
		{"scaling up, none ready yet", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, mem := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: false, Inflight: true})
				if tc.replicas > 0 { // asked for, ready in an hour
					if err := mem.Scale(t.Context(), ref, tc.replicas); err != nil {
						t.Fatal(err)
					}
					mem.ResetCalls()
				}
				g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 100 * time.Millisecond})
				run(t, g, 5*time.Second+50*time.Millisecond)
				name := ref.String()
				started := counter(t, g, "started", name)
				codes := review51VCodes(t, g, name)
				failed := codes["502"] + codes["503"]
				// 10 rps over 5 s (the first tick only sets the clock): ≈ 49 calls.
				if started < 40 || failed != started {
					t.Errorf("5 s of 10 rps to a function with no ready replica, scale_from_zero off: started %v, total by code %v; "+
						"want ≈49 started, each ended at once with 502/503 (forwarded to no endpoint)", started, codes)
				}
				if got := counter(t, g, "inflight", name); got != 0 {
					t.Errorf("in-flight gauge = %v, want 0: nothing waits without scale_from_zero", got)
				}
				if calls := mem.Calls(); len(calls) != 0 {
					t.Errorf("scale calls = %d, want 0 without scale_from_zero", len(calls))
				}
			})
		})
	}
}

// TestReview51VWarmFunctionWithBadFactorIs404: review 50 made a function
// at zero with a com.openfaas.scale.factor outside 1..100 answer 404
// (the gateway's replica lookup fails on it). The lookup runs for warm
// functions too: FunctionScaler.Scale (faas gateway/scaling/
// function_scaler.go) returns Available from the cache only when a cached
// response has availableReplicas > 0, and it caches a response only after
// a successful lookup that found availableReplicas == 0 (the "available in
// the live data" branch returns before Cache.Set). So with
// scale_from_zero=true every call to a function with factor=0 queries the
// provider, the query fails, and the scaling handler answers 404 "error
// finding function" before the proxy: nothing is started or counted, ready
// replicas or not (reference/openfaas.md §2 step 3, §3 "Errors: 404").
//
// The simulator applies the 404 only while AvailableReplicas == 0
// (step.go, `fn.AvailableReplicas == 0 && g.cfg.ScaleFromZero &&
// !lookupFactorOK(fn.Labels)`), so a warm function with the same label
// serves every call with 200: the controller sees traffic (rps load, no
// idling) that the real gateway never lets through.
func TestReview51VWarmFunctionWithBadFactorIs404(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 1, map[string]string{"com.openfaas.scale.factor": "0"}, Config{ScaleFromZero: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 50 * time.Millisecond})
		run(t, g, 5*time.Second)
		name := ref.String()
		if got := counter(t, g, "started", name); got != 0 {
			t.Errorf("started = %v (total by code %v), want 0: with scale_from_zero every call's replica lookup fails "+
				"on com.openfaas.scale.factor=0 and is answered 404 before the proxy, warm function or not", got, review51VCodes(t, g, name))
		}
	})
}

// TestReview51VFailedScaleFromZeroIsNotForwarded: when the scale from zero
// itself fails, FunctionScaler.Scale retries SetReplicas SetScaleRetries
// (20) times FunctionPollInterval (100 ms) apart and then returns the
// error with Found: true; MakeScalingHandler answers 500 "error finding
// function …" and does not call the proxy, so the call is neither started
// nor counted in gateway_function_invocation_total, about 2 s after it
// arrived (reference/openfaas.md §3: "500 if scaling fails").
//
// The simulator logs the failed Scale (gateway.go scaleFromZero) and keeps
// the requests waiting as if the function were waking; after
// ColdStartTimeout it "forwards" them: started and 502. Here with a 5 s
// timeout, calls to a function whose provider refuses every scale show up
// as started and 502 (so as activity, and as a started − total that an
// idler or a capacity read counts), where the real gateway counts nothing.
func TestReview51VFailedScaleFromZeroIsNotForwarded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := coldGateway(t, 0, time.Second, Config{ScaleFromZero: true, ColdStartTimeout: 5 * time.Second})
		mem.FailScale(ref, 1<<30, errors.New("provider refuses"))
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 50 * time.Millisecond})
		run(t, g, 10*time.Second)
		name := ref.String()
		if len(mem.Calls()) == 0 {
			t.Fatal("no scale from zero was asked for")
		}
		if got := counter(t, g, "started", name); got != 0 {
			t.Errorf("started = %v (total by code %v), want 0: a call whose scale from zero fails is answered 500 by "+
				"the scaling handler, before the proxy and its notifier", got, review51VCodes(t, g, name))
		}
	})
}

// TestReview51VInvokeFunctionWithoutWorkload: the queue worker's call
// (Invoke) to a deployed function with a ready replica answers 404 when no
// workload was set for it (async.go Invoke: `st, ok := g.fns[ref];
// if !ok { return http.StatusNotFound }`). The /async-function route
// accepts the same function (routeFunction asks only the provider), so its
// message is queued with 202 and then fails forever: the worker naks every
// non-2xx and redelivers without limit. A real gateway serves any deployed
// function; a function with no sync load (an async-only function) is the
// ordinary case. Want 200 after the (zero) duration, counted started and
// 200.
func TestReview51VInvokeFunctionWithoutWorkload(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 1, nil, Config{})
		if code := g.Invoke(context.Background(), ref); code != http.StatusOK {
			t.Errorf("Invoke of a deployed function with a ready replica and no load set = %d, want 200", code)
		}
	})
}

// TestReview51VServiceCountIsDesiredPolledEvery5s (pin): gateway_service_count
// is FunctionStatus.replicas, the desired count, not availableReplicas, and
// it moves only at the service watcher's 5 s poll (reference/openfaas.md
// §1). A scale 1 → 3 with a 30 s cold start reads 1 until the next poll,
// then 3 while only 1 replica is ready.
func TestReview51VServiceCountIsDesiredPolledEvery5s(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := coldGateway(t, 1, 30*time.Second, Config{})
		g.SetWorkload(ref, Workload{})
		name := ref.String()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); _ = g.Run(ctx) }()
		time.Sleep(150 * time.Millisecond) // first poll at 0.1 s
		synctest.Wait()
		if got := counter(t, g, "count", name); got != 1 {
			t.Fatalf("service count at start = %v, want 1", got)
		}
		if err := mem.Scale(t.Context(), ref, 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second) // 4.15 s: no poll since 0.1 s
		synctest.Wait()
		before := counter(t, g, "count", name)
		time.Sleep(time.Second) // 5.15 s: the poll of 5.1 s ran
		synctest.Wait()
		after := counter(t, g, "count", name)
		fn, _ := mem.Function(t.Context(), ref)
		cancel()
		<-done
		if before != 1 || after != 3 || fn.AvailableReplicas != 1 {
			t.Errorf("service count before the next poll %v (want 1), after it %v (want 3, desired) with %d available", before, after, fn.AvailableReplicas)
		}
	})
}
