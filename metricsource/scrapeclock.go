package metricsource

import (
	"context"
	"time"
)

// Scrape is when a source's data last changed: the newest scrape of the
// gateway it holds, and how often the gateway is scraped.
type Scrape struct {
	// At is the newest scrape's time (zero: none yet).
	At time.Time
	// Every is the scrape interval (0: not known yet).
	Every time.Duration
}

// Known reports whether both the time and the interval are known.
func (s Scrape) Known() bool { return !s.At.IsZero() && s.Every > 0 }

// ScrapeClock is implemented by sources that can say when the gateway was
// last scraped. The scaler times its passes by it: a pass on its own
// ticker reads data of any age up to a scrape interval, half an interval
// on average, which a pass just after each scrape does not wait out (see
// scaler.AlignTick).
type ScrapeClock interface {
	LastScrape(ctx context.Context) (Scrape, error)
}

// LastScrape asks src through ScrapeClock; ok is false when src does not
// tell (then the scaler keeps its own ticker).
func LastScrape(ctx context.Context, src Source) (s Scrape, ok bool, err error) {
	c, ok := src.(ScrapeClock)
	if !ok {
		return Scrape{}, false, nil
	}
	s, err = c.LastScrape(ctx)
	return s, true, err
}
