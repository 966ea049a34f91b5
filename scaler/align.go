package scaler

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// A pass reads the newest scrape of the gateway. On a ticker of its own,
// independent of the scrapes (Prometheus scrapes each target at a fixed
// offset of its own), that scrape is of any age up to an interval: a burst
// is acted on half an interval later on average than a pass just after
// each scrape would. When the source tells when it scraped
// (metricsource.ScrapeClock), the loop times its passes a lag after a
// scrape instead.

// DefaultAlignLag is config.Default's scaler.align_lag: how long after a
// scrape's start (the sample time Prometheus gives it) its samples are
// taken to be readable. A scrape of a gateway with thousands of functions
// takes tens to hundreds of milliseconds; a pass that came before the
// scrape was stored would read the previous one, a whole interval old.
const DefaultAlignLag = 500 * time.Millisecond

// AlignTick is when the pass after one at now runs: nominally now +
// interval. When s is known, its interval at most the pass interval, and
// lag at least 0, it is the instant s.At + lag + k·s.Every nearest to
// the nominal time, so each pass follows a scrape by lag; a pass never
// follows another by less than half an interval. aligned says which it
// gave. It is pure.
func AlignTick(now time.Time, interval time.Duration, s metricsource.Scrape, lag time.Duration) (next time.Time, aligned bool) {
	nominal := now.Add(interval)
	if !s.Known() || s.Every > interval || lag < 0 || interval <= 0 {
		return nominal, false
	}
	base := s.At.Add(lag)
	d := nominal.Sub(base)
	k := d / s.Every
	if rem := d - k*s.Every; rem > s.Every/2 {
		k++
	} else if rem < -s.Every/2 {
		k--
	}
	t := base.Add(k * s.Every)
	for t.Before(now.Add(interval / 2)) {
		t = t.Add(s.Every)
	}
	return t, true
}

// NextTick is when the loop's next pass after one at now runs (AlignTick
// over the source's last scrape, when LoopConfig.AlignLag is set and the
// source tells; else now + the interval). The simulator schedules its
// passes by it, as Run does.
func (l *Loop) NextTick(ctx context.Context, now time.Time) time.Time {
	if l.cfg.AlignLag <= 0 {
		return now.Add(l.cfg.Interval)
	}
	s, ok, err := metricsource.LastScrape(ctx, l.cfg.Source)
	if !ok || err != nil {
		if err != nil {
			l.log.Debug("scrape time unknown: the next pass is on the loop's own interval", "err", err)
		}
		return now.Add(l.cfg.Interval)
	}
	if !s.At.IsZero() {
		l.metrics.scrapeAge.Set(max(0, now.Sub(s.At).Seconds()))
	}
	t, _ := AlignTick(now, l.cfg.Interval, s, l.cfg.AlignLag)
	return t
}
