package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestRealLastScrape: a real Prometheus scrapes a test gateway every
// second; the exporter notes when each scrape reaches it. A few seconds in
// (long before scrapeInterval knows the interval), LastScrape's time is the
// newest scrape's start (Prometheus's sample time, a few ms before the
// request arrives) and its interval 1 s; read again within phaseTTL at a
// later time, the same scrape carried forward by whole intervals.
func TestRealLastScrape(t *testing.T) {
	ex := teststack.NewExporter(t)
	teststack.NewGatewayMetrics(ex.Registry).Started.WithLabelValues("fn").Inc()
	var mu sync.Mutex
	var seen []time.Time
	inner := promhttp.HandlerFor(ex.Registry, promhttp.HandlerOpts{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, time.Now())
		mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: strings.TrimPrefix(srv.URL, "http://")}},
	})
	cfg := DefaultConfig()
	cfg.URL = prom.URL()
	cfg.CoverageSelector = `up{job="gateway"}`
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	prom.WaitUp(t, "gateway")
	time.Sleep(2500 * time.Millisecond) // a few scrapes stored

	newest := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return seen[len(seen)-1]
	}
	// near: Prometheus stamps a scrape when it starts it; the request
	// arrives a little later.
	near := func(got, want time.Time) bool {
		d := want.Sub(got)
		return d >= -5*time.Millisecond && d <= 150*time.Millisecond
	}
	ctx := context.Background()
	before := newest()
	s, err := src.LastScrape(ctx)
	after := newest()
	if err != nil || s.At.IsZero() {
		t.Fatalf("LastScrape = %+v, %v", s, err)
	}
	if !near(s.At, before) && !near(s.At, after) {
		t.Errorf("last scrape %s, the exporter's newest request %s before the read and %s after", s.At.Format(time.StampMilli),
			before.Format(time.StampMilli), after.Format(time.StampMilli))
	}
	if s.Every != time.Second {
		t.Errorf("scrape interval %s a few seconds in, want 1s", s.Every)
	}

	// Carried forward by the interval, without asking again: the source's
	// clock moved on 3.2 s; the newest scrape then is 3 s later.
	base := s
	later := time.Now().Add(3200 * time.Millisecond)
	src.now = func() time.Time { return later }
	s, err = src.LastScrape(ctx)
	if err != nil || s.Every != time.Second {
		t.Fatalf("LastScrape later = %+v, %v", s, err)
	}
	if k := s.At.Sub(base.At); k%time.Second != 0 || s.At.After(later) || later.Sub(s.At) > time.Second {
		t.Errorf("carried forward to %s: %s after the read one, want whole seconds, the newest not after %s", s.At.Format(time.StampMilli), k, later.Format(time.StampMilli))
	}
}
