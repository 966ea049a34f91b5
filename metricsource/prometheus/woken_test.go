package prometheus

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestWokenFromRealPrometheus: a function the gateway reports at zero
// replicas and then running is in Activity.Woken, with a time no earlier
// than the wake and at most a scrape and a step after it, for one window;
// a function that stayed up, or stays at zero, never is. This is what an
// idler that has just started reads instead of the wake it did not see
// (issue 15, item 5).
//
// Seen failing: with the woken query's "== 0" made "== 5" (never true),
// Woken stays empty after the wake.
func TestWokenFromRealPrometheus(t *testing.T) {
	ex := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(ex.Registry)
	gw.Replicas.WithLabelValues("woken").Set(0)
	gw.Replicas.WithLabelValues("up").Set(2)
	gw.Replicas.WithLabelValues("parked").Set(0)
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: ex.Addr()}},
	})
	src := gatewaySource(t, prom, nil)
	const window = 8 * time.Second
	woken, up, parked := provider.Ref{Name: "woken", Namespace: "openfaas-fn"}, provider.Ref{Name: "up", Namespace: "openfaas-fn"},
		provider.Ref{Name: "parked", Namespace: "openfaas-fn"}
	prom.WaitUp(t, "gateway")
	waitFor(t, "a covered window", func() bool {
		act, err := src.Activity(context.Background(), window)
		return err == nil && act.Covered
	})
	if act, err := src.Activity(context.Background(), window); err != nil || act.Woken != nil {
		t.Fatalf("before any wake: Woken = %v, %v", act.Woken, err)
	}
	// The wakes' range is the scrape interval once known (max_scrape_gap,
	// 30 s, before: a wake would stay in an 8 s window's Woken that long).
	waitFor(t, "the scrape interval known", func() bool {
		sc, err := src.LastScrape(context.Background())
		return err == nil && sc.Known()
	})

	wake := time.Now()
	gw.Replicas.WithLabelValues("woken").Set(1)
	var at time.Time
	waitFor(t, "the wake seen", func() bool {
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			return false
		}
		if _, ok := act.Woken[up]; ok {
			t.Fatalf("a function that stayed up is in Woken: %v", act.Woken)
		}
		if _, ok := act.Woken[parked]; ok {
			t.Fatalf("a function still at zero is in Woken: %v", act.Woken)
		}
		at = act.Woken[woken]
		return !at.IsZero()
	})
	// Upper bound on the wake: never before it; after it by at most a
	// scrape (1 s) and a step (1 s for an 8 s window), plus clock slack.
	if d := at.Sub(wake); d < 0 || d > 2500*time.Millisecond {
		t.Errorf("woken at %s after the wake, want within [0, 2.5s]", d)
	}
	// One window after the wake, no step of the window is at zero any more.
	time.Sleep(time.Until(wake.Add(window + 2*time.Second)))
	act, err := src.Activity(context.Background(), window)
	if err != nil {
		t.Fatal(err)
	}
	if act.Woken != nil {
		t.Errorf("a window after the wake: Woken = %v, want none", act.Woken)
	}
}
