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
// counters are read at the window's start too: two reads that step (three
// in the first step after a rebuild: readSplit). After
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
	f.over, f.split = nil, false
	if f.handed != nil && f.diff.At().Before(f.rebuiltTo) && f.rebuiltTo.Before(now) {
		return f.readSplit(ctx, src, now, window)
	}
	totals, err := src.StartedTotals(ctx, now, f.totals)
	f.keepTotals(totals)
	if err != nil {
		return nil, window, err
	}
	return f.diff.Add(totals, now, f.counts), window, nil
}

// readSplit is readTotals' read for a step that reaches back before the
// rebuild's end (the first after it): the counters are read at the
// rebuild's end too, and the step's calls are counted in two parts
// (TotalsDiff.AddPart): those before the end, which the rebuild counted as
// well (its hand-over is taken off them: f.over), and those after, which
// it did not. Taken off the step's whole count, the hand-over dropped a
// call of a gateway restarted in place after the end (its new series never
// held the rebuild's calls); taken off only what counted from series the
// base read held, it counted the rebuild's last call twice when the
// restart fell inside the rebuild's last step (reviews' findings). Both
// reads are made before either is counted, so a failed one leaves the
// base for the next read, as a failed read does.
func (f *Feeder) readSplit(ctx context.Context, src metricsource.StartedTotals, now time.Time, window time.Duration) ([]metricsource.Count, time.Duration, error) {
	atEnd, err := src.StartedTotals(ctx, f.rebuiltTo, nil)
	if err != nil {
		return nil, window, err
	}
	totals, err := src.StartedTotals(ctx, now, f.totals)
	f.keepTotals(totals)
	if err != nil {
		return nil, window, err
	}
	atEnd = heldAtEnd(&f.diff, atEnd, totals)
	f.over, f.split = f.diff.AddPart(atEnd, f.rebuiltTo, nil), true
	counts := f.diff.Add(totals, now, f.counts)
	// over stays as counted (the hand-over comes off it): joined in a
	// new array.
	joined := append(append(make([]metricsource.Count, 0, len(f.over)+len(counts)), f.over...), counts...)
	return metricsource.MergeCounts(joined), window, nil
}

// heldAtEnd returns atEnd with every series the diff holds that is missing
// from it but read at now added at its value at now: its calls since the
// base are counted before the rebuild's end, as the unsplit read counted
// them. A series held and read at now but missing at the end missed one
// scrape there (a failed scrape's stale marker is written after the
// rebuild may have read that time); left missing, the part counted none of
// its calls, so the hand-over came off nothing (the rebuild's last call
// counted twice), and the read at now, a step and a half past the base,
// counted them all late (LateSpan) where unsplit they were on time
// (review 53A). A series the diff does not hold is new since the base (a
// gateway restarted in place): its calls are left to the part they fall
// in, as readSplit wants. One held whose value at now is below the held
// one was reset since: it is added at 0, as reset by the end (review 53H:
// added at its value at now, the part read it as a reset before the end and
// took the hand-over off the calls made after the restart).
func heldAtEnd(d *metricsource.TotalsDiff, atEnd, now []metricsource.Total) []metricsource.Total {
	in := make(map[uint64]struct{}, len(atEnd))
	for _, t := range atEnd {
		in[t.Series] = struct{}{}
	}
	for _, t := range now {
		if _, ok := in[t.Series]; ok {
			continue
		}
		if held, ok := d.Held(t.Series); ok {
			if t.N < held {
				// Reset since the base (a gateway restarted in place that
				// keeps its series' names): placed at the end, so all it
				// counts now is counted after it and the hand-over comes
				// off none of it (the reset erased what it counted before).
				t.N = 0
			}
			atEnd = append(atEnd, t)
		}
	}
	return atEnd
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
