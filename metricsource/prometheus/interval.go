package prometheus

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// The capacity query takes the peak of the gateway's series with a subquery
// (promql.CapacityPeak). Its step decides which samples are seen: a step
// longer than the scrape interval skips samples (and the peaks in them), a
// step much shorter reads every sample several times. Without knowing the
// interval the step was window/60: 1 s for the 60 s stable window, five
// evaluations of every sample at a 5 s scrape, fifteen at the OpenFaaS
// charts' 15 s; and 10 s for a 10-minute window, which skipped every other
// sample at 5 s. The generated capacity record uses the scrape interval it
// is generated for; the source now learns it from the coverage series.
//
// Stepping at the interval is safe only with the instant value in the peak
// (promql.Peak): a subquery's evaluations are aligned to multiples of its
// step, so the last one can fall up to a step before the query's time, and
// at a step of the interval that misses the newest scrape (the first
// version, without it, failed its real test at some clock phases and was
// reverted).

// Intervals are re-read this often: a scrape interval changes with a
// Prometheus configuration, rarely, and one cheap query every few minutes
// follows it.
const (
	intervalTTL        = 5 * time.Minute
	intervalUnknownTTL = time.Minute // no answer yet (a Prometheus just started): ask again soon
)

// scrapeIntervalQuery estimates the scrape interval of the coverage series:
// a minute over the most samples any full minute of the last ten held.
// Full: only minutes with a sample before them count, so the minutes of a
// Prometheus that has just started are not read as a slow scrape. The
// most, so a gap cannot make the interval look longer than it is; a minute
// that holds a sample at each end counts one more than the interval gives,
// which makes it look shorter: a finer step, never a skipped sample.
func scrapeIntervalQuery(sel string) string {
	return fmt.Sprintf(`60 / max(max_over_time((count_over_time(%[1]s[1m]) and (%[1]s offset 1m))[10m:1m]))`, sel)
}

// capacityStep is the capacity subquery's step over window: the scrape
// interval when known (to 100 ms, at least two evaluations in the window),
// else window/60 as before.
func capacityStep(window, interval time.Duration) time.Duration {
	if interval <= 0 {
		return subqueryStep(window)
	}
	s := max(interval.Truncate(100*time.Millisecond), 100*time.Millisecond)
	if half := (window / 2).Truncate(100 * time.Millisecond); half > 0 && s > half {
		s = half
	}
	return s
}

// intervalCache holds the last estimate and when it was read.
type intervalCache struct {
	mu   sync.Mutex
	v    time.Duration // 0: unknown
	at   time.Time
	read bool // at is set
}

// scrapeInterval returns the coverage series' scrape interval, 0 when
// unknown (no full minute of samples yet, or the query failed): read at
// most every intervalTTL, the failures and unknowns every
// intervalUnknownTTL.
func (s *Source) scrapeInterval(ctx context.Context) time.Duration {
	c := &s.interval
	now := s.now()
	c.mu.Lock()
	if c.read {
		ttl := intervalTTL
		if c.v == 0 {
			ttl = intervalUnknownTTL
		}
		if now.Sub(c.at) < ttl {
			v := c.v
			c.mu.Unlock()
			return v
		}
	}
	c.mu.Unlock()

	var v time.Duration
	expr := scrapeIntervalQuery(s.cfg.CoverageSelector)
	vec, err := s.query(ctx, expr)
	switch {
	case err != nil:
		s.log.Debug("scrape interval unknown: the capacity step stays window/60", "err", err)
	case len(vec) == 1 && float64(vec[0].Value) > 0 && !math.IsInf(float64(vec[0].Value), 0):
		v = time.Duration(float64(vec[0].Value) * float64(time.Second))
	}
	c.mu.Lock()
	if v != c.v {
		s.log.Debug("scrape interval of the coverage series", "interval", v, "previous", c.v)
	}
	c.v, c.at, c.read = v, now, true
	c.mu.Unlock()
	return v
}
