package prometheus

import (
	"context"
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
// is generated for; the source learns it from the coverage series
// (LastScrape's median gap).
//
// Stepping at the interval is safe only with the instant value in the peak
// (promql.Peak): a subquery's evaluations are aligned to multiples of its
// step, so the last one can fall up to a step before the query's time, and
// at a step of the interval that misses the newest scrape (the first
// version, without it, failed its real test at some clock phases and was
// reverted).

// intervalUnknownTTL is how long a failed read of the scrapes' phase and
// interval is answered again before Prometheus is asked anew.
const intervalUnknownTTL = time.Minute

// capacityStep is the capacity subquery's step over window: the scrape
// interval when known (to 100 ms, at least two evaluations in the window),
// else window/60 as before. Truncated, the step is never longer than the
// interval read (the median gap between scrapes), so no sample is skipped.
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

// scrapeInterval is the coverage series' scrape interval as LastScrape
// knows it: the median gap of the last phaseLookback's scrapes, read in the
// background at most once a minute; 0 while unknown (the source's first
// minutes, or a Prometheus that cannot say), when the step stays
// window/60. One estimate serves the step and the passes' timing; it used
// to be a second query of its own, sent on the load's path every five
// minutes.
func (s *Source) scrapeInterval(ctx context.Context) time.Duration {
	sc, err := s.LastScrape(ctx)
	if err != nil {
		return 0
	}
	return sc.Every
}
