package scaler

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// staleScrapeSource says the gateway's newest scrape is two minutes old
// (Prometheus stopped scraping it), as a real source would during an outage.
type staleScrapeSource struct {
	metricsource.Source
	at time.Time
}

func (s staleScrapeSource) LastScrape(context.Context) (metricsource.Scrape, error) {
	return metricsource.Scrape{At: s.at, Every: 5 * time.Second}, nil
}

// TestAFormerLeaderExportsNoPassScrapeAge: the Controller health
// dashboard plots max(faas_autoscaler_pass_scrape_age_seconds) across the
// controller replicas ("pass after the scrape slot"). The gauge is set by the
// leader's loop (NextTick) and never cleared when the term ends, so a
// replica that lost the lease while the data was 2 minutes old keeps
// exporting 120 s for the rest of its life, and max() shows it over the
// new leader's fresh age. The per-function gauges (fnSeries.snapshot) and
// the idler's functions_at_zero (Idler.Run's defer) were fixed for exactly
// this; the scrape age was not.
func TestAFormerLeaderExportsNoPassScrapeAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var leading atomic.Bool
		leading.Store(true)
		start := time.Now()
		e := newLoopEnv(t, func(c *LoopConfig) {
			c.Leading = leading.Load
			c.AlignLag = 500 * time.Millisecond
			c.Source = staleScrapeSource{Source: c.Source, at: start.Add(-2 * time.Minute)}
		}, function(refA, 1, nil))
		e.src.Set("rps", refA, 1)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = e.loop.Run(ctx); close(done) }()
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if v, ok := e.metric(t, MetricPassScrapeAge, nil); !ok || v < 120 {
			t.Fatalf("while leading: %s = %v (present %v), want the data's age, at least 120", MetricPassScrapeAge, v, ok)
		}
		// The lease is lost: the elector cancels the acting parts.
		leading.Store(false)
		cancel()
		<-done
		synctest.Wait()
		if v, ok := e.metric(t, MetricPassScrapeAge, nil); ok && v != 0 {
			t.Errorf("a replica that no longer leads still exports %s = %v (its last term's): the dashboard's max() across replicas shows it over the leader's", MetricPassScrapeAge, v)
		}
	})
}
