package prometheus

import (
	"context"
	"testing"
	"time"
)

// TestLastScrapeWithNoSamplesIsNotAskedEveryPass: a coverage selector
// that matches nothing (a job named otherwise than the defaults, a gateway
// whose target left discovery over five minutes ago) answers an empty
// matrix: nothing known. lastscrape.go promises "one cheap query a minute,
// not one a pass" and a failed read is remembered for a minute
// (intervalUnknownTTL), but an empty answer is neither fresh nor a
// failure, so every LastScrape (each scaler pass, each capacity load, each
// ShortestCoveredWindow) sends the five-minute range query again.
//
// Seen failing before the fix: "Prometheus asked 10 times in 5 s of passes
// with no gateway scrape to find, want once".
func TestLastScrapeWithNoSamplesIsNotAskedEveryPass(t *testing.T) {
	src, calls := fakeProm(t, func(string) (int, string) {
		return 200, `{"status":"success","data":{"resultType":"matrix","result":[]}}`
	})
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	src.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range 10 { // ten scaler passes half a second apart
		now = now.Add(500 * time.Millisecond)
		if s, err := src.LastScrape(ctx); err != nil || s.Known() {
			t.Fatalf("pass %d: %+v, %v; want nothing known, no error", i, s, err)
		}
		src.phase.done.Wait()
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("Prometheus asked %d times in 5 s of passes with no gateway scrape to find, want once (again emptyPhaseRetry on)", n)
	}
}
