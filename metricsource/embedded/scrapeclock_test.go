package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestLastScrapeIsTheNewestObserved: before a scrape the interval alone is
// known; after scrapes, the newest one's time (a scrape not after it is
// ignored and does not move it); and the queue wrapper answers the same.
func TestLastScrapeIsTheNewestObserved(t *testing.T) {
	clk, src := newSecondSource(t)
	ctx := context.Background()
	s, err := src.LastScrape(ctx)
	if err != nil || !s.At.IsZero() || s.Every != time.Second || s.Known() {
		t.Fatalf("before any scrape: %+v, %v; want the interval only", s, err)
	}
	t0 := clk.t
	g := gw{}
	g.call(1, 0.1)
	src.Observe(t0, g.samples())
	src.Observe(t0.Add(1300*time.Millisecond), g.samples())
	src.Observe(t0.Add(time.Second), g.samples()) // out of order: ignored
	s, err = src.LastScrape(ctx)
	if err != nil || !s.At.Equal(t0.Add(1300*time.Millisecond)) || !s.Known() {
		t.Fatalf("after scrapes at 0 and 1.3s: %+v, %v", s, err)
	}
	wrapped := metricsource.WithQueue(src, nil, time.Second, clk.Now)
	w, ok, err := metricsource.LastScrape(ctx, wrapped)
	if !ok || err != nil || w != s {
		t.Errorf("through the queue wrapper: %+v (tells %v), %v; want %+v", w, ok, err, s)
	}
}
