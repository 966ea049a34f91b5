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
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestRealLastScrape: a real Prometheus scrapes a test gateway every
// second; the exporter notes when each scrape reaches it. A few seconds in
// (before a full minute of samples), LastScrape's time is the
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
	src := gatewaySource(t, prom, nil)
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
		return d >= -5*time.Millisecond && d <= 300*time.Millisecond
	}
	ctx := context.Background()
	before := newest()
	// The first ask starts the read and does not wait for it.
	if s, err := src.LastScrape(ctx); err != nil || s.Known() {
		t.Fatalf("first LastScrape = %+v, %v; want nothing known yet", s, err)
	}
	src.phase.done.Wait()
	s, err := src.LastScrape(ctx)
	after := newest()
	if err != nil || s.At.IsZero() {
		t.Fatalf("LastScrape = %+v, %v", s, err)
	}
	if !near(s.At, before) && !near(s.At, after) {
		t.Errorf("last scrape %s, the exporter's newest request %s before the read and %s after", s.At.Format(time.StampMilli),
			before.Format(time.StampMilli), after.Format(time.StampMilli))
	}
	if s.Every < 950*time.Millisecond || s.Every > 1050*time.Millisecond {
		t.Errorf("scrape interval %s a few seconds in, want 1s", s.Every)
	}

	// Carried forward by the interval, without asking again: the source's
	// clock moved on 3.2 s; the newest scrape then is 3 s later.
	base := s
	later := time.Now().Add(3200 * time.Millisecond)
	src.now = func() time.Time { return later }
	s, err = src.LastScrape(ctx)
	if err != nil || s.Every != base.Every {
		t.Fatalf("LastScrape later = %+v, %v; want the interval read before, %s", s, err, base.Every)
	}
	if k := s.At.Sub(base.At); k%s.Every != 0 || s.At.After(later) || later.Sub(s.At) > s.Every {
		t.Errorf("carried forward to %s: %s after the read one, want whole intervals, the newest not after %s", s.At.Format(time.StampMilli), k, later.Format(time.StampMilli))
	}
}

// gatewaySource is a Source on prom whose coverage series is the gateway
// job's up; edit (nil: none) changes its configuration first.
func gatewaySource(t testing.TB, prom *teststack.Prom, edit func(*Config)) *Source {
	t.Helper()
	cfg := DefaultConfig()
	cfg.URL = prom.URL()
	cfg.CoverageSelector = `up{job="gateway"}`
	if edit != nil {
		edit(&cfg)
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestMedianGapIgnoresALateScrape: one scrape started 300 ms late moves
// two gaps; the interval is still the other gaps' 5 s.
func TestMedianGapIgnoresALateScrape(t *testing.T) {
	at := func(ms int64) model.SamplePair { return model.SamplePair{Timestamp: model.Time(ms)} }
	vs := []model.SamplePair{at(0), at(5000), at(10300), at(15000), at(20000), at(25000)}
	if g := medianGap(vs); g != 5*time.Second {
		t.Errorf("median gap %s, want 5s", g)
	}
	if g := medianGap(vs[:1]); g != 0 {
		t.Errorf("one sample: %s, want 0", g)
	}
}

// TestLastScrapeFailureIsRemembered: a Prometheus that fails is asked once
// a minute, not at every pass; the error is answered in between, and a
// minute on it is asked again.
func TestLastScrapeFailureIsRemembered(t *testing.T) {
	var mu sync.Mutex
	asked := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		asked++
		mu.Unlock()
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	src.now = func() time.Time { return now }
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return asked
	}
	ctx := context.Background()
	for i, step := range []struct {
		after time.Duration
		asks  int
	}{{0, 1}, {5 * time.Second, 1}, {50 * time.Second, 1}, {61 * time.Second, 2}, {65 * time.Second, 2}} {
		now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC).Add(step.after)
		_, _ = src.LastScrape(ctx) // starts the read when one is due
		src.phase.done.Wait()
		s, err := src.LastScrape(ctx)
		if err == nil || s.Known() {
			t.Errorf("read %d at +%s: %+v, %v; want an error", i, step.after, s, err)
		}
		if got := count(); got != step.asks {
			t.Errorf("read %d at +%s: Prometheus asked %d times in all, want %d", i, step.after, got, step.asks)
		}
	}
}

// TestLastScrapeDoesNotWaitOnPrometheus: while Prometheus holds the query,
// LastScrape answers at once: nothing before the first read lands, the
// last phase carried forward once one has (the pass timer is not held up
// to the query timeout, once a minute).
func TestLastScrapeDoesNotWaitOnPrometheus(t *testing.T) {
	release := make(chan struct{})
	const body = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"gateway"},"values":[[1000,"1"],[1005,"1"],[1010,"1"]]}]}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // first: a held handler would hold Close
	cfg := DefaultConfig()
	cfg.URL = srv.URL
	cfg.Timeout = 30 * time.Second // a synchronous read would hold the test until the server answers
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1012, 0)
	src.now = func() time.Time { return now }
	ctx := context.Background()
	s, err := src.LastScrape(ctx)
	if err != nil || s.Known() {
		t.Fatalf("while the first read is held: %+v, %v; want nothing known and no error", s, err)
	}
	release <- struct{}{}
	src.phase.done.Wait()
	want := metricsource.Scrape{At: time.Unix(1010, 0), Every: 5 * time.Second}
	if s, err := src.LastScrape(ctx); err != nil || !s.At.Equal(want.At) || s.Every != want.Every {
		t.Fatalf("after the read: %+v, %v; want %+v", s, err, want)
	}
	// A minute on, the read is due again and held: the phase read before,
	// carried forward to the newest scrape before now.
	now = time.Unix(1078, 0)
	s, err = src.LastScrape(ctx)
	if err != nil || !s.At.Equal(time.Unix(1075, 0)) || s.Every != want.Every {
		t.Errorf("while the second read is held: %+v, %v; want the phase carried forward to 1075 s", s, err)
	}
	release <- struct{}{}
	src.phase.done.Wait()
}
