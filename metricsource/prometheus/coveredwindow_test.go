package prometheus

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestShortestCoveredWindowHasTheWholeGap: the window the idler floors
// adaptive keep-alives at is the shortest whose gap bound is the operator's
// whole max_scrape_gap, and a shorter one's is less (the coverage query
// bounds gaps by metricsource.GapBound). Fails if either drifts from the
// other.
func TestShortestCoveredWindowHasTheWholeGap(t *testing.T) {
	for _, gap := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute} {
		cfg := DefaultConfig()
		cfg.URL, cfg.MaxScrapeGap = "http://127.0.0.1:9090", gap
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w := metricsource.ShortestCoveredWindow(src)
		if got := metricsource.GapBound(w, gap); got != gap {
			t.Errorf("max gap %s: the shortest covered window %s bounds gaps at %s, want the whole gap", gap, w, got)
		}
		if got := metricsource.GapBound(w-time.Second, gap); gap > time.Second && got >= gap {
			t.Errorf("max gap %s: a window of %s already bounds gaps at %s: %s is not the shortest", gap, w-time.Second, got, w)
		}
	}
}

// TestShortestCoveredWindowFollowsTheScrapeInterval: once the source knows
// the gateway's scrape interval, the shortest covered window is three
// intervals and a quarter (its gap bound a quarter over the interval),
// never more than 3 × max_scrape_gap. It was 3 × max_scrape_gap always: a
// zero-duration label of 3s, which a 1 s scrape covers, was queried over
// 15 s (the async e2e test's idler never got to its queued verdict).
func TestShortestCoveredWindowFollowsTheScrapeInterval(t *testing.T) {
	for _, c := range []struct{ every, maxGap, want time.Duration }{
		{time.Second, 5 * time.Second, 3750 * time.Millisecond},
		{5 * time.Second, 30 * time.Second, 18750 * time.Millisecond},
		{30 * time.Second, 30 * time.Second, 90 * time.Second}, // capped
	} {
		cfg := DefaultConfig()
		cfg.URL, cfg.MaxScrapeGap = "http://127.0.0.1:9090", c.maxGap
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		src.now = func() time.Time { return now }
		src.phase.last, src.phase.every, src.phase.at = now, c.every, now
		w := metricsource.ShortestCoveredWindow(src)
		if w != c.want {
			t.Errorf("scrape every %s, max gap %s: shortest covered window %s, want %s", c.every, c.maxGap, w, c.want)
		}
		if b := metricsource.GapBound(w, c.maxGap); b < c.every {
			t.Errorf("scrape every %s: the window %s bounds gaps at %s, under the interval: never covered", c.every, w, b)
		}
	}
}
