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
// interval. When s is known and lag at least 0, it is the instant s.At +
// lag + k·g nearest to the nominal time, g the shorter of the scrape and
// pass intervals: scraped as often as the scaler passes or more, each pass
// follows a scrape by lag; scraped less often (Prometheus at 15 s, passes
// at 5 s), every scrape is followed by a pass lag later and the passes
// between keep the interval. A pass never follows another by less than
// half an interval. aligned says which it gave. It is pure.
func AlignTick(now time.Time, interval time.Duration, s metricsource.Scrape, lag time.Duration) (next time.Time, aligned bool) {
	nominal := now.Add(interval)
	if !s.Known() || lag < 0 || interval <= 0 {
		return nominal, false
	}
	g := min(s.Every, interval)
	base := s.At.Add(lag)
	d := nominal.Sub(base)
	k := d / g
	if rem := d - k*g; rem > g/2 {
		k++
	} else if rem < -g/2 {
		k--
	}
	t := base.Add(k * g)
	for t.Before(now.Add(interval / 2)) {
		t = t.Add(g)
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
