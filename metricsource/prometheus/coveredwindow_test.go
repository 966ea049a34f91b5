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
