package prometheus

import (
	"context"
	"testing"
	"time"
)

// TestLastScrapeAtAMinuteInterval: a gateway scraped every 60 s (a common
// global scrape_interval; kube-prometheus-stack's is 30 s) has one sample,
// or none, in the last minute of up, so the interval read 0: never known,
// and Prometheus asked again at every LastScrape, once a scaler pass, not
// once a minute. Unknown, the rates' gap bound stayed MaxScrapeGap (30 s by
// default), under the interval: every rps and cpu load unknown. The read
// looks back far enough to hold a few scrapes at such intervals.
func TestLastScrapeAtAMinuteInterval(t *testing.T) {
	p, last := backfilledPrometheus(t, 1, time.Minute)
	src := gatewaySource(t, p, nil)
	ctx := context.Background()
	_, _ = src.LastScrape(ctx) // starts the read
	src.phase.done.Wait()
	s, err := src.LastScrape(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Every != time.Minute {
		t.Fatalf("LastScrape = %+v with up scraped every minute up to %s, want the interval 1m0s", s, last.Format(time.TimeOnly))
	}
	if s.At.Before(last) {
		t.Errorf("last scrape %s, want the newest sample, %s, or later", s.At.Format(time.TimeOnly), last.Format(time.TimeOnly))
	}
}
