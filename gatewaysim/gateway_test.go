package gatewaysim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

var ref = provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}

func newGateway(t *testing.T, replicas uint64, labels map[string]string, cfg Config) (*Gateway, *memory.Provider) {
	t.Helper()
	mem := memory.New(clock.Real(), memory.Options{ColdStart: 2 * time.Second})
	if err := mem.Deploy(provider.Function{Ref: ref, Labels: labels, Replicas: replicas, AvailableReplicas: replicas}); err != nil {
		t.Fatal(err)
	}
	cfg.Provider = mem
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g, mem
}

func counter(t *testing.T, g *Gateway, metric string, labels ...string) float64 {
	t.Helper()
	switch metric {
	case "total":
		return testutil.ToFloat64(g.metrics.total.WithLabelValues(labels...))
	case "started":
		return testutil.ToFloat64(g.metrics.startedC.WithLabelValues(labels...))
	case "inflight":
		return testutil.ToFloat64(g.metrics.inflightG.WithLabelValues(labels...))
	case "count":
		return testutil.ToFloat64(g.metrics.serviceCount.WithLabelValues(labels...))
	}
	t.Fatalf("unknown metric %s", metric)
	return 0
}

// run advances the gateway for d on the bubble's virtual clock.
func run(t *testing.T, g *Gateway, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	_ = g.Run(ctx)
}

func TestGatewayCountsServedRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 2, nil, Config{Inflight: true})
		g.SetWorkload(ref, Workload{Load: Constant(20), Duration: 500 * time.Millisecond})
		run(t, g, 10*time.Second+50*time.Millisecond)
		started := counter(t, g, "started", ref.String())
		// 20/s for 10 s, the first tick only sets the clock: about 198 started.
		if started < 190 || started > 200 {
			t.Errorf("started = %v, want about 200", started)
		}
		done := counter(t, g, "total", ref.String(), "200")
		// Requests last 0.5 s, so about 10 are still running at the end.
		if got := started - done; got < 8 || got > 12 {
			t.Errorf("in flight at the end = %v (started %v, done %v), want about 10", got, started, done)
		}
		if got := counter(t, g, "inflight", ref.String()); got != started-done {
			t.Errorf("inflight gauge = %v, want %v", got, started-done)
		}
		if got := counter(t, g, "count", ref.String()); got != 2 {
			t.Errorf("gateway_service_count = %v, want 2", got)
		}
	})
}

func TestGatewayRejectsOverConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := newGateway(t, 1, nil, Config{})
		// 40/s of 1 s calls needs 40 slots; one replica has 10.
		g.SetWorkload(ref, Workload{Load: Constant(40), Duration: time.Second, Concurrency: 10})
		run(t, g, 5*time.Second+50*time.Millisecond)
		ok := counter(t, g, "total", ref.String(), "200")
		rejected := counter(t, g, "total", ref.String(), "429")
		if rejected < 100 {
			t.Errorf("429s = %v, want most of the excess (about 150)", rejected)
		}
		if ok > 45 {
			t.Errorf("200s = %v, want at most about 10 per second of 1 s calls", ok)
		}
	})
}

func TestGatewayScalesFromZeroAndHoldsRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{"com.openfaas.scale.min": "2"}
		g, mem := newGateway(t, 0, labels, Config{ScaleFromZero: true})
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 100 * time.Millisecond})
		run(t, g, time.Second)
		fn, _ := mem.Function(t.Context(), ref)
		if fn.Replicas != 2 {
			t.Fatalf("replicas after a request at zero = %d, want min 2", fn.Replicas)
		}
		if got := counter(t, g, "started", ref.String()); got != 0 {
			t.Fatalf("started during the cold start = %v, want 0 (requests wait)", got)
		}
		run(t, g, 3*time.Second)
		if got := counter(t, g, "started", ref.String()); got < 25 {
			t.Errorf("started after the cold start = %v, want the held requests released (≥ 25)", got)
		}
		calls := mem.Calls()
		if len(calls) != 1 {
			t.Errorf("scale calls = %d, want exactly one scale from zero", len(calls))
		}
	})
}

// TestGatewayTimesOutColdStarts: a request that waited ColdStartTimeout for
// a replica is forwarded anyway, as the gateway does when its polling runs
// out (reference/openfaas.md:118), so it is started and ends with 502, the
// code of a proxy error (:16); the gateway never answers 504 here.
//
// Hand count: Step 100ms, 5 rps, the first tick only sets the clock, so one
// request arrives at 0.3s, 0.5s, 0.7s, 0.9s, … Each times out 2s after its
// own arrival: by 3s those of 0.3s…0.9s have, 4 requests (the next, of
// 1.1s, at 3.1s).
//
// Holding is the scaling handler's, so scale_from_zero is on, and the
// replica it asks for takes an hour. (This test had ScaleFromZero false,
// pinning the simulator's old holding without it: the gateway then has no
// scaling handler and answers 503 at once, TestReview51VNoScaleFromZeroForwardsAtOnce.)
func TestGatewayTimesOutColdStarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, _ := coldGateway(t, 0, time.Hour, Config{ScaleFromZero: true, ColdStartTimeout: 2 * time.Second})
		g.SetWorkload(ref, Workload{Load: Constant(5), Duration: 100 * time.Millisecond})
		run(t, g, 3*time.Second)
		name := ref.String()
		if got := counter(t, g, "total", name, "502"); got != 4 {
			t.Errorf("502s after requests waited past the 2s cold-start timeout = %v, want 4 (arrivals of 0.3s…0.9s)", got)
		}
		if got := counter(t, g, "started", name); got != 4 {
			t.Errorf("started = %v, want 4: a timed-out request is forwarded, so it is started", got)
		}
		if got := counter(t, g, "total", name, "504"); got != 0 {
			t.Errorf("504s = %v, want 0: the gateway forwards a timed-out request instead of answering 504", got)
		}
	})
}

func TestPattern(t *testing.T) {
	p, err := ParsePattern("10s@5, 20s@120,30s@0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 5}, {9 * time.Second, 5}, {10 * time.Second, 120}, {29 * time.Second, 120}, {30 * time.Second, 0}, {60 * time.Second, 5}, {-time.Second, 0}} {
		if got := p.RateAt(c.at); got != c.want {
			t.Errorf("RateAt(%v) = %v, want %v", c.at, got, c.want)
		}
	}
	for _, bad := range []string{"", "10s", "x@5", "10s@-1", "0s@3", "10s@abc", "10s@NaN", "10s@Inf", "10s@2e6"} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%q) accepted", bad)
		}
	}
}

func TestLoadRouteChecksTheRate(t *testing.T) {
	g, _ := newGateway(t, 1, nil, Config{})
	h := g.Handler(APIOptions{})
	tests := []struct {
		name, body string
		want       int
		rate       float64
	}{
		{"a rate", `{"rps": 12.5}`, http.StatusNoContent, 12.5},
		{"zero", `{"rps": 0}`, http.StatusNoContent, 0},
		{"negative", `{"rps": -1}`, http.StatusBadRequest, 0},
		{"above MaxRPS", `{"rps": 1e9}`, http.StatusBadRequest, 0},
		{"not JSON", `rps=5`, http.StatusBadRequest, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g.SetRPS(ref, 0)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/sim/load/figlet?namespace=openfaas-fn", strings.NewReader(tc.body)))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if got := g.Rate(ref, time.Now()); got != tc.rate {
				t.Errorf("rate after the call = %v, want %v", got, tc.rate)
			}
		})
	}
}
