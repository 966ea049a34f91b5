package prometheus

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// Prometheus scrapes each target at a fixed offset within its interval
// (derived from the target's labels), so the gateway's scrapes keep one
// phase until Prometheus is restarted or reconfigured. The source reads the
// newest scrape's time and the interval (the median gap of the samples of
// the last phaseLookback) now and then, and carries the time forward by whole
// intervals in between: one cheap query a minute, not one a pass.
const phaseTTL = time.Minute

// lastScrapesQuery asks for the coverage series' raw samples of the last
// phaseLookback: their newest time is the start of the gateway's last
// scrape (several gateway replicas: the latest of them), and the median
// gap between them the scrape interval, known after two scrapes (the
// capacity subquery's step reads it too, through scrapeInterval).
func lastScrapesQuery(sel string) string {
	return fmt.Sprintf(`%s[%s]`, sel, model.Duration(phaseLookback))
}

// phaseLookback is how far back lastScrapesQuery looks: Prometheus' own
// lookback, so that a gateway scraped every minute (a common global
// scrape_interval) has a few scrapes in it. It was a minute: one sample or
// none at such an interval, the interval never known, and Prometheus asked
// again at every LastScrape, once a scaler pass
// (TestLastScrapeAtAMinuteInterval). At a 1 s scrape it is 300 samples a
// series, once a minute.
const phaseLookback = 5 * time.Minute

// recentGaps is how many of the newest gaps medianGap reads: their median
// is still the interval with four scrapes late, and a new interval is read
// five scrapes after it began.
const recentGaps = 9

// phaseCache holds the last read scrape and when it was read.
type phaseCache struct {
	mu    sync.Mutex
	last  time.Time     // zero: unknown
	every time.Duration // the median gap up to last (0: one sample only)
	at    time.Time     // when read (zero: never)
	// failed is when the last read failed (zero: it did not), and err
	// why: a failed read is tried again a minute on, not at every pass.
	failed time.Time
	err    error
	// empty is when the last read found no interval (zero: it did).
	empty time.Time
	// reading is a read in flight; done is its end (tests wait on it).
	reading bool
	done    sync.WaitGroup
}

// LastScrape is the coverage series' newest scrape and their scrape
// interval (metricsource.ScrapeClock). Between reads, the scrape time is
// the last one read moved forward by whole intervals up to now.
//
// It never waits on Prometheus: the scaler asks after every pass, and a
// slow Prometheus would hold the pass timer up to the query timeout. A
// read, when the last is a minute old (or a failure is), runs in the
// background, and the answer until it lands is the last one carried
// forward (Prometheus keeps a target's phase until it is restarted or
// reconfigured), or none before the first: that pass keeps the loop's own
// interval.
func (s *Source) LastScrape(context.Context) (metricsource.Scrape, error) {
	now := s.now()
	c := &s.phase
	c.mu.Lock()
	fresh := !c.at.IsZero() && now.Sub(c.at) < phaseTTL && !c.last.IsZero() && c.every > 0
	retry := (c.failed.IsZero() || now.Sub(c.failed) >= intervalUnknownTTL) &&
		(c.empty.IsZero() || now.Sub(c.empty) >= emptyPhaseRetry)
	if !fresh && retry && !c.reading {
		c.reading = true
		c.done.Add(1)
		go s.readPhase(now)
	}
	last, every, err := c.last, c.every, c.err
	c.mu.Unlock()
	if last.IsZero() || every <= 0 {
		return metricsource.Scrape{}, err
	}
	if now.After(last) {
		last = last.Add(now.Sub(last) / every * every)
	}
	return metricsource.Scrape{At: last, Every: every}, nil
}

// readPhase reads the last scrape into the cache, as asked at asked, with
// the source's query timeout. A failure keeps what was read before.
func (s *Source) readPhase(asked time.Time) {
	c := &s.phase
	defer c.done.Done()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	last, every, err := s.readLastScrape(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	if err != nil {
		c.failed, c.err = asked, err
		s.log.Debug("last scrape not read; passes keep the last phase known", "err", err)
		return
	}
	c.last, c.every, c.at, c.failed, c.err, c.empty = last, every, asked, time.Time{}, nil, time.Time{}
	if last.IsZero() || every <= 0 {
		// Nothing to time passes by (no series, or one sample): neither
		// fresh nor failed, it was asked again at every pass, each
		// capacity load and each covered-window read (a selector that
		// matches nothing: for ever). Asked again emptyPhaseRetry on, not
		// reported as a failure; sooner than a failure, as a gateway just
		// scraped for the first time has its interval a scrape later.
		c.empty = asked
	}
}

// emptyPhaseRetry is how long a read that found nothing to time passes by
// is kept before it is asked again.
const emptyPhaseRetry = 10 * time.Second

// readLastScrape reads the scrapes of the coverage series scraped most
// often: the median gap between its samples (0 with one sample) and its
// newest sample's time. Most often, not most recently: a gateway scraped by
// two jobs (the chart's openfaas-pods every 5 s and a ServiceMonitor's 30 s
// default, both matching the default selector) has series sampled every
// 5 s, and the interval read from whichever job scraped last was 30 s one
// time in two: the capacity subquery then stepped over one in-flight sample
// in six. Without a gap (one sample each), the newest.
func (s *Source) readLastScrape(ctx context.Context) (last time.Time, every time.Duration, err error) {
	m, err := queryAs[model.Matrix](ctx, s, lastScrapesQuery(s.cfg.CoverageSelector), "a matrix")
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("last scrape: %w", err)
	}
	for _, ss := range m {
		n := len(ss.Values)
		if n == 0 {
			continue
		}
		t, gap := ss.Values[n-1].Timestamp.Time(), medianGap(ss.Values)
		switch {
		case gap > 0 && (every == 0 || gap < every): // scraped more often
		case gap == every && t.After(last): // as often, and since
		default:
			continue
		}
		last, every = t, gap
	}
	return last, every, nil
}

// medianGap is the median gap between consecutive samples among the newest
// recentGaps (0 with fewer than two samples), to the millisecond: a scrape
// Prometheus started late (a busy machine, beyond its timestamp tolerance
// of a few ms) moves one gap, not the interval carried forward for a
// minute. The newest only: after the scrape interval was shortened (15 s to
// 5 s), the median of phaseLookback's gaps kept the old interval for up to
// five minutes, and the capacity subquery, stepped at it, skipped two
// samples in three (a peak of 10 in flight read 0: a review's finding).
func medianGap(vs []model.SamplePair) time.Duration {
	if len(vs) < 2 {
		return 0
	}
	vs = vs[max(0, len(vs)-recentGaps-1):]
	gaps := make([]time.Duration, 0, len(vs)-1)
	for i := 1; i < len(vs); i++ {
		gaps = append(gaps, vs[i].Timestamp.Time().Sub(vs[i-1].Timestamp.Time()))
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2].Round(time.Millisecond)
}
