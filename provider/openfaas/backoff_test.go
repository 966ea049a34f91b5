package openfaas

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// newBubbleClient serves g in-process (see handlerTransport) so the client's
// sleeps and timeouts run on the bubble's virtual clock.
func newBubbleClient(t *testing.T, g *fakeGateway, r float64, edit func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.GatewayURL = "http://gateway.test:8080/"
	cfg.HTTPClient = &http.Client{Transport: handlerTransport{g.handler("")}}
	cfg.Rand = func() float64 { return r }
	if edit != nil {
		edit(&cfg)
	}
	cl, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestBackoffBounds(t *testing.T) {
	tests := []struct {
		name    string
		base    time.Duration
		rand    float64
		attempt int
		want    time.Duration
	}{
		{name: "first retry up to base", base: 200 * time.Millisecond, rand: 0.5, attempt: 1, want: 100 * time.Millisecond},
		{name: "second retry doubles", base: 200 * time.Millisecond, rand: 0.5, attempt: 2, want: 200 * time.Millisecond},
		{name: "third retry doubles again", base: 200 * time.Millisecond, rand: 0.5, attempt: 3, want: 400 * time.Millisecond},
		{name: "zero jitter sleeps not at all", base: time.Second, rand: 0, attempt: 3, want: 0},
		{name: "capped at 30s", base: 10 * time.Second, rand: 0.5, attempt: 9, want: 15 * time.Second},
		{name: "broken rand above 1 sleeps 0", base: time.Second, rand: 7, attempt: 1, want: 0},
		{name: "broken rand below 0 sleeps 0", base: time.Second, rand: -1, attempt: 1, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cl := newBubbleClient(t, newFakeGateway(faasNetes), tc.rand, func(c *Config) { c.BackoffBase = tc.base })
			if got := cl.backoff(tc.attempt); got != tc.want {
				t.Errorf("backoff(%d) = %s, want %s", tc.attempt, got, tc.want)
			}
		})
	}
}

func TestRetrySleepsWithJitteredBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newFakeGateway(faasNetes)
		g.deploy(fig("openfaas-fn", 1))
		g.failNext(503, 503, 503)
		cl := newBubbleClient(t, g, 0.5, nil)
		start := time.Now()
		if _, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}); err != nil {
			t.Fatal(err)
		}
		// Half of 200ms, 400ms and 800ms: the jitter source is used, and the
		// bound doubles per retry.
		if got, want := time.Since(start), 700*time.Millisecond; got != want {
			t.Errorf("virtual time spent = %s, want %s", got, want)
		}
		if g.requestCount() != 4 {
			t.Errorf("requests = %d, want 4", g.requestCount())
		}
	})
}

func TestEachAttemptHasItsOwnTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newFakeGateway(faasNetes)
		g.deploy(fig("openfaas-fn", 1))
		hung := 0
		g.hook = func(w http.ResponseWriter, r *http.Request) {
			if hung < 2 { // the first two attempts hang until they time out
				hung++
				<-r.Context().Done()
				return
			}
			writeJSON(w, 200, fig("openfaas-fn", 1))
		}
		cl := newBubbleClient(t, g, 0, func(c *Config) { c.Timeout = 2 * time.Second })
		start := time.Now()
		if _, err := cl.Function(t.Context(), provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}); err != nil {
			t.Fatal(err)
		}
		if got, want := time.Since(start), 4*time.Second; got != want {
			t.Errorf("virtual time spent = %s, want %s (two timed-out attempts)", got, want)
		}
	})
}

func TestCallerDeadlineStopsBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newFakeGateway(faasNetes)
		g.failNext(500, 500, 500, 500)
		cl := newBubbleClient(t, g, 0.99, func(c *Config) { c.BackoffBase = 10 * time.Second })
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := cl.Function(ctx, provider.Ref{Name: "figlet", Namespace: "openfaas-fn"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("returned after %s, want at the caller's 1s deadline", got)
		}
		if g.requestCount() != 1 {
			t.Errorf("requests = %d, want 1 (the deadline fell in the first backoff)", g.requestCount())
		}
	})
}
