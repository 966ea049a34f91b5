package gatewaysim

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/expfmt"
)

// review52Page is the gateway's whole metrics page, as a scrape reads it.
func review52Page(t *testing.T, g *Gateway) string {
	t.Helper()
	mfs, err := g.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestReview52NothingRunsAfterRunAndInvokeReturn: the package has no
// Shutdown and starts no goroutine, timer or ticker of its own: Run and
// Invoke do their work on their caller's goroutine and stop their tickers
// before they return. So once they have returned, nothing changes the
// gateway's metrics any more, however long one waits, and the bubble ends
// with no goroutine left (synctest.Test fails on one still blocked).
func TestReview52NothingRunsAfterRunAndInvokeReturn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 1, nil, Config{Inflight: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 5 * time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		ran := make(chan error, 1)
		go func() { ran <- g.Run(ctx) }()
		codes := make(chan int, 3)
		for range 3 {
			go func() { codes <- g.Invoke(ctx, ref) }()
		}
		time.Sleep(2 * time.Second) // calls in flight, on both paths
		cancel()
		if err := <-ran; err != nil {
			t.Fatalf("Run: %v", err)
		}
		for range 3 {
			if code := <-codes; code != http.StatusBadGateway {
				t.Errorf("Invoke cut off by its context: %d, want 502", code)
			}
		}
		before := review52Page(t, g)
		time.Sleep(time.Hour)
		synctest.Wait()
		if after := review52Page(t, g); after != before {
			t.Errorf("the metrics changed after Run and Invoke had returned:\nbefore\n%s\nafter\n%s", before, after)
		}
	})
}

// TestReview52InvokeAtZeroWithoutScaleFromZeroIsCounted: without
// scale_from_zero the gateway has no scaling handler, so the worker's call
// through /function/ to a function with no ready replica reaches the proxy,
// which answers 503, and its notifier counts it started and completed with
// that code (reference/openfaas.md §1: _total is the "completed" event of
// each /function/ proxy call, code = the upstream status). Step counts the
// load's calls so (TestReview51VNoScaleFromZeroForwardsAtOnce), and Invoke
// counts its 200s, 429s and 502s, but its 503 was answered uncounted.
func TestReview52InvokeAtZeroWithoutScaleFromZeroIsCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, time.Hour, Config{Inflight: true})
		if code := g.Invoke(t.Context(), ref); code != http.StatusServiceUnavailable {
			t.Fatalf("Invoke at zero: %d, want 503", code)
		}
		name := ref.String()
		started, codes := counter(t, g, "started", name), review51VCodes(t, g, name)
		if started != 1 || codes["503"] != 1 || len(codes) != 1 {
			t.Errorf("started %v, total by code %v; want 1 started and 1 ended 503", started, codes)
		}
		if got := counter(t, g, "inflight", name); got != 0 {
			t.Errorf("in-flight gauge = %v, want 0", got)
		}
	})
}

// TestReview52RemovedWhileWaitingIsUncounted500: calls held by the scaling
// handler (scale_from_zero) poll the provider for the function every
// 100 ms; once it is removed the poll's lookup fails, and the handler
// answers 500 before the proxy (Found but an error: faas gateway
// scaling/function_scaler.go's polling loop, handlers/scaling.go), so the
// notifier counts nothing, as for a wake that keeps failing (e5ed1a9). A
// call whose wake was failing retries it with a lookup first, which fails
// the same way. drainGone counted them all started and 502.
func TestReview52RemovedWhileWaitingIsUncounted500(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail bool // every wake fails: the calls retry it
	}{
		{"waking", false},
		{"wake failing", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g, mem := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: true, Inflight: true})
				if tc.fail {
					mem.FailScale(ref, 1<<30, errors.New("provider refuses"))
				}
				g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 50 * time.Millisecond})
				run(t, g, time.Second+50*time.Millisecond)
				name := ref.String()
				if got := counter(t, g, "inflight", name); got < 5 {
					t.Fatalf("calls waiting before the removal = %v, want about 9", got)
				}
				if err := mem.Remove(ref); err != nil {
					t.Fatal(err)
				}
				run(t, g, time.Second)
				started, codes := counter(t, g, "started", name), review51VCodes(t, g, name)
				if started != 0 || len(codes) != 0 {
					t.Errorf("started %v, total by code %v; want none: the scaling handler answered them 500 before the proxy", started, codes)
				}
				if got := counter(t, g, "inflight", name); got != 0 {
					t.Errorf("in-flight gauge = %v, want 0", got)
				}
			})
		})
	}
}
