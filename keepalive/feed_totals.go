package keepalive

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// read returns the invocations started in the window ending at now, and
// the window they were counted over: window itself, or, from a source
// with StartedTotals, the time since the last successful read when that
// is longer (readTotals).
func (f *Feeder) read(ctx context.Context, now time.Time, window time.Duration) ([]metricsource.Count, time.Duration, error) {
	src, ok := f.Source.(metricsource.StartedTotals)
	if !ok {
		counts, err := metricsource.Started(ctx, f.Source, window, f.counts)
		return counts, window, err
	}
	return f.readTotals(ctx, src, now, window)
}

// readTotals counts a step as the difference between the started counters
// read at its end and at the last successful read (metricsource.TotalsDiff):
// one read of instant selectors a step, where asking the source for every
// function's increase over the step took a loaded Prometheus past its
// timeout at 100,000 functions, every step.
//
// The counters are read at now and at the window's start, not at whenever
// the query runs, so steps join exactly: a call is counted in the step its
// scrape falls in, once. With no earlier read (the first step), or one more
// than maxCatchUp steps old (RunOnce has made that span unknown), the
// counters are read at the window's start too: two reads that step. After
// a failed read the last successful one is kept, so the next read counts
// the calls of the failed step as well, over both steps (RunOnce made the
// failed step unknown, so no idle time is learned across it; the calls
// still end the one in progress).
func (f *Feeder) readTotals(ctx context.Context, src metricsource.StartedTotals, now time.Time, window time.Duration) ([]metricsource.Count, time.Duration, error) {
	if f.diff.Forget == 0 {
		f.diff.Forget = max(1, int(forgetSeries/f.step()))
		f.diff.KeepMissing = max(1, int(keepMissingSeries/f.step()))
		// A counter missing from more reads than a late read reads back
		// over: its calls, counted when it is back, could be anywhere in
		// the span (ObserveLateCount).
		f.diff.Late = maxCatchUp
		f.diff.LateSpan = maxCatchUp * f.step()
		// A counter missing from the first base read (its gateway's
		// last scrape failed) counted whole as calls of the first step
		// ended an idle time the rebuild learned, at calls nobody made.
		f.diff.LateAfterBase = true
	}
	if base := f.diff.At(); base.IsZero() || !base.Before(now) || now.Sub(base) > maxCatchUp*f.step() {
		from := now.Add(-window)
		totals, err := src.StartedTotals(ctx, from, f.totals)
		f.keepTotals(totals)
		if err != nil {
			return nil, window, err
		}
		f.diff.Rebase()
		f.diff.Add(totals, from, nil)
	}
	window = now.Sub(f.diff.At())
	totals, err := src.StartedTotals(ctx, now, f.totals)
	f.keepTotals(totals)
	if err != nil {
		return nil, window, err
	}
	return f.diff.Add(totals, now, f.counts), window, nil
}

// forgetSeries is how long a counter missing from the reads (its gateway
// not scraped, the function deleted) is remembered while the counters held
// are more than twice the most a read had: a gateway replaced again and
// again leaves one per function behind each time (metricsource.TotalsDiff's
// Forget). keepMissingSeries is how long otherwise: read again within it,
// only its calls since count, not its whole history. A gateway alive but
// not scraped for over an hour (a NetworkPolicy, a relabelling) came back
// with its counters where they were, and each, forgotten, counted its whole
// history as calls of that step, ending an idle time across the hour
// nobody saw; a day is about the keep-alive's horizon (25 h).
const (
	forgetSeries      = time.Hour
	keepMissingSeries = 24 * time.Hour
)

// keepTotals keeps a read's array for the next, unless it is a large
// fleet's (keptCounts), which then does not sit in the live heap between
// steps.
func (f *Feeder) keepTotals(t []metricsource.Total) {
	f.totals = nil
	if cap(t) <= keptCounts {
		f.totals = t[:0]
	}
}
