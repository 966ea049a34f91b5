package prometheus

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// Prometheus scrapes each target at a fixed offset within its interval
// (derived from the target's labels), so the gateway's scrapes keep one
// phase until Prometheus is restarted or reconfigured. The source reads the
// newest scrape's time now and then and carries it forward by whole
// intervals in between: one cheap query a minute, not one a pass.
const phaseTTL = time.Minute

// lastScrapeQuery is the newest sample time of the coverage series: the
// start of the gateway's last scrape (several gateway replicas: the
// latest of them).
func lastScrapeQuery(sel string) string {
	return fmt.Sprintf(`max(timestamp(%s))`, sel)
}

// phaseCache holds the last read scrape time and when it was read.
type phaseCache struct {
	mu   sync.Mutex
	last time.Time // zero: unknown
	at   time.Time // when read (zero: never)
}

// LastScrape is the coverage series' newest scrape and their scrape
// interval (metricsource.ScrapeClock). Between reads, the scrape time is
// the last one read moved forward by whole intervals up to now.
func (s *Source) LastScrape(ctx context.Context) (metricsource.Scrape, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	every := s.scrapeInterval(ctx)
	now := s.now()
	c := &s.phase
	c.mu.Lock()
	last, fresh := c.last, !c.at.IsZero() && now.Sub(c.at) < phaseTTL && !c.last.IsZero()
	c.mu.Unlock()
	if !fresh {
		vec, err := s.query(ctx, lastScrapeQuery(s.cfg.CoverageSelector))
		if err != nil {
			return metricsource.Scrape{Every: every}, fmt.Errorf("last scrape: %w", err)
		}
		last = time.Time{}
		if len(vec) == 1 {
			if v := float64(vec[0].Value); v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
				last = time.Unix(0, int64(v*float64(time.Second)))
			}
		}
		c.mu.Lock()
		c.last, c.at = last, now
		c.mu.Unlock()
	}
	if !last.IsZero() && every > 0 && now.After(last) {
		last = last.Add(now.Sub(last) / every * every)
	}
	return metricsource.Scrape{At: last, Every: every}, nil
}
