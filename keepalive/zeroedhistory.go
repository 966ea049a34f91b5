package keepalive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The counts functions were idled from (Zeroed) are read from Prometheus'
// replica history (RebuildReplicasQuery) at a start (the rebuild) and as
// each leadership term starts (RefreshZeroed). That read costs Prometheus
// about what the counters do a step: a whole day took ~40 s at 10,000
// functions and minutes at 100,000, so it is read newest first, in spans
// sized to the time left, and only as far back as it must: the policy
// keeps the time up to which the counts it holds are current (zeroedTo).

// zeroedFirstSteps is how many of the newest steps a bounded read of the
// replica history reads first, to time it: at 100,000 functions about 2 s
// of Prometheus, at 10,000 a fraction of one.
const zeroedFirstSteps = 5

// zeroedFitShare is the share of the time left that the next span of a
// bounded read is sized to, at the cost a step of the span before took:
// older blocks read slower than the newest, and a read cut by the deadline
// is lost whole.
const zeroedFitShare = 0.6

// readZeroed reads the replica history from from to now and calls fell
// once for each function that fell to zero in it, with its most recent
// fall: the count it fell from (≥ 1). With a
// deadline on ctx and a clock it reads newest first: the newest
// zeroedFirstSteps steps, then each span sized to fit a share of the time
// left at the cost a step of the span before took, and stops when not
// even one step would fit. It returns how far back it read (from, when it
// read all of it; zero when it read nothing), and the error of the read
// that ended it early; what was read before that stays told. Without a
// deadline or a clock, it is one read of the whole span. The steps are at
// from + k·step, as one read of the whole span's would be.
func readZeroed(ctx context.Context, q RangeQuerier, from, now time.Time, step time.Duration, clock func() time.Time,
	fell func(name string, replicas uint64)) (time.Time, error) {
	last := lastStep(from, now, step)
	steps := int(last.Sub(from)/step) + 1
	deadline, bounded := ctx.Deadline()
	n := steps
	if bounded && clock != nil {
		n = min(steps, zeroedFirstSteps)
	}
	seen := map[model.LabelValue]bool{}
	var reached time.Time
	next := last.Add(step) // the step after the next span to read
	for steps > 0 && n >= 1 {
		start := next.Add(-time.Duration(n) * step)
		var began time.Time
		if clock != nil {
			began = clock()
		}
		m, err := queryRange(ctx, q, RebuildReplicasQuery(step), start, next.Add(-step), step)
		if errors.Is(err, errNotMatrix) {
			return reached, errors.New("keepalive: read the replica history: Prometheus did not return a matrix")
		}
		if err != nil {
			return reached, fmt.Errorf("keepalive: read the replica history from %s: %w", start.UTC().Format(time.RFC3339), err)
		}
		// Told newest first within the span too: a function's two names
		// ("fn" and "fn.openfaas-fn") are two series, listed by their
		// labels, and the first told of a function is kept (tellZeroed):
		// the bare name's older fall won over the newer one.
		falls := make([]zeroedFall, 0, len(m))
		for _, s := range m {
			name := s.Metric["function_name"]
			if seen[name] || len(s.Values) == 0 {
				continue // a newer span's fall is the last
			}
			newest := inTimeOrder(s.Values)[len(s.Values)-1]
			if v := math.Round(float64(newest.Value)); v >= 1 {
				seen[name] = true
				falls = append(falls, zeroedFall{string(name), newest.Timestamp, uint64(math.Min(v, math.MaxUint32))})
			}
		}
		slices.SortStableFunc(falls, func(a, b zeroedFall) int { return cmp.Compare(b.at, a.at) })
		for _, f := range falls {
			fell(f.name, f.replicas)
		}
		reached, next, steps = start, start, steps-n
		if !bounded || clock == nil {
			n = steps
			continue
		}
		took := clock().Sub(began)
		left := deadline.Sub(clock())
		if took > 0 && left < took {
			// Less time left than the span just read took: a shorter one is
			// not proportionally cheaper (at 10,000 functions a real
			// Prometheus read 10 steps in 0.34 s and 60 in 1.6 s: ~0.09 s of
			// a read is not per step), and sized by the step alone the short
			// spans at the bound's end were cut.
			break
		}
		per := took / time.Duration(n)
		n = steps
		if per > 0 {
			n = int(min(int64(steps), int64(float64(left)*zeroedFitShare)/int64(per)))
		}
	}
	return reached, nil
}

// rebuildZeroed tells the policy, for each function that fell to zero
// from from to now, the count it fell from the last time (Zeroed), as the
// idler does when it idles one; what the idler has told it since the
// start is never replaced. Who scaled it to zero is not in the history;
// the idler is the usual writer of zero, and a function zeroed by someone
// else pre-warms to the count it had, as the idler's would. It returns how
// many it told, and how far back it read (from when all of it).
//
// The counts it leaves are current at now whatever it read: each one told
// is the function's last fall up to now, and every other count is the
// idler's, newer still, or none (a pre-warm then starts one replica); and
// complete over what it read.
func (p *Policy) rebuildZeroed(ctx context.Context, q RangeQuerier, from, now time.Time, step time.Duration, defaultNamespace string, clock func() time.Time) (int, time.Time, error) {
	zeroed := 0
	reached, err := readZeroed(ctx, q, from, now, step, clock, p.tellZeroed(defaultNamespace, zeroedKeep, map[provider.Ref]bool{}, &zeroed))
	p.mu.Lock()
	p.zeroedFrom, p.zeroedTo = knownFrom(reached, now), now
	p.mu.Unlock()
	return zeroed, reached, err
}

// knownFrom is where the counts are complete back to after a read that
// reached back to reached (zero: nothing read) and ended at now.
func knownFrom(reached, now time.Time) time.Time {
	if reached.IsZero() {
		return now
	}
	return reached
}

// ZeroedRefresh says what RefreshZeroed read.
type ZeroedRefresh struct {
	// Told is how many functions' counts it read and set.
	Told int
	// Since is the time the counts held were current to before it (zero:
	// not known); when the history after it was not all read, the counts
	// not read again were dropped (Dropped).
	Since   time.Time
	Dropped int
	// From is how far back the counts are complete after it: what it read
	// after Since and, when it read all of that, the span known before.
	From time.Time
}

// RefreshZeroed brings the counts functions were idled from up to date
// from Prometheus' replica history, for a replica that starts to lead: the
// counts it holds are from its start's rebuild or from its own earlier
// terms, and another replica may have idled a function since (a standby
// that followed for hours held the count of an idle hours old: a pre-warm
// started 8 where the other leader had idled it from 1).
//
// The counts held are current up to the end of the last read or of this
// replica's last term (zeroedTo, ZeroedCurrent), and complete back to where
// the reads reached (zeroedFrom): read whole, the lookback took ~40 s at
// 10,000 functions with a day held, never fitted the term's bound, and
// every count was dropped. So it reads newest first (readZeroed) the
// history after zeroedTo, each fall replacing the count held; when its
// bound ends that read early, the counts it did not read again are dropped
// (a pre-warm starts one replica until the idler idles the function
// again): each count left is its function's last up to now, or none. The
// history before the span known is FillZeroed's, after it.
func (p *Policy) RefreshZeroed(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time) (ZeroedRefresh, error) {
	return p.refreshZeroed(ctx, q, now, lookback, step, defaultNamespace, clock, zeroedReplace, true)
}

// RefreshZeroedKeepingLive is RefreshZeroed for a term that began while the
// start's rebuild read the replica history (up to the process's start):
// run once the rebuild has ended, it reads what came after, which another
// replica may have idled before this term, and keeps the counts this
// term's idler told meanwhile, which are newer.
func (p *Policy) RefreshZeroedKeepingLive(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time) (ZeroedRefresh, error) {
	return p.refreshZeroed(ctx, q, now, lookback, step, defaultNamespace, clock, zeroedReplaceRead, true)
}

// RecheckZeroed reads again, a few steps into a term whose RefreshZeroed
// made the counts current at its start, the history after that: a fall
// shows in it a whole step after it (RebuildReplicasQuery), so what the
// former leader idled in the last step or two before the term began was
// not there to read yet, and the next term reads from this one's end. It
// keeps the counts this term's idler told meanwhile (newer), and, when
// its read is cut short, every count held, with the time they are current
// to (the term's start): they are current from then but for those last
// steps' falls, as they were without it.
func (p *Policy) RecheckZeroed(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time) (ZeroedRefresh, error) {
	return p.refreshZeroed(ctx, q, now, lookback, step, defaultNamespace, clock, zeroedReplaceRead, false)
}

// refreshZeroed reads the history after the time the counts were current
// to, setting each fall read as how says; when the read did not reach back
// to that time, the counts not read again are dropped if drop (this
// term's idler's kept under zeroedReplaceRead).
func (p *Policy) refreshZeroed(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time, how zeroedSet, drop bool) (ZeroedRefresh, error) {
	p.mu.Lock()
	since, known := p.zeroedTo, p.zeroedFrom
	p.mu.Unlock()
	start := now.Add(-lookback)
	r := ZeroedRefresh{Since: since}
	read := map[provider.Ref]bool{}
	reached, err := readZeroed(ctx, q, later(since, start), now, step, clock, p.tellZeroed(defaultNamespace, how, read, &r.Told))
	// The counts not read again stay only when the read reached back to
	// the time they were current to: not when the bound cut it, nor when
	// that time is unknown or before the lookback (a fall between it and
	// the lookback's start, not read, may have replaced one).
	complete := !since.IsZero() && !reached.IsZero() && !reached.After(since)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case complete:
		p.zeroedFrom = known // the span known before, and what was read after it
	case !drop:
		// Every count kept, current to since as before (and the falls read
		// set): the span not read is left to the next read after since.
		r.From = known
		return r, err
	default:
		for ref, h := range p.fns {
			if h.zeroedAt != 0 && !read[ref] && !(how == zeroedReplaceRead && h.zeroedLive) {
				h.zeroedAt, h.planned = 0, false
				r.Dropped++
			}
		}
		p.zeroedFrom = knownFrom(reached, now)
	}
	p.zeroedTo = now
	r.From = p.zeroedFrom
	if how == zeroedReplace {
		for _, h := range p.fns {
			h.zeroedLive = false // this term's idler has told nothing yet
		}
	}
	return r, err
}

// FillZeroed reads, newest first within ctx's bound, the replica history
// from before the span the counts are complete over back to the lookback's
// start, each fall setting only a count not held, and returns how many it
// set and how far back the counts are complete after it. It runs beside
// the idler and the pre-warmer once a term's RefreshZeroed has made the
// counts current: a count the idler tells meanwhile is newer than any fall
// it reads and is never replaced, and a pre-warm before it sets a count
// starts one replica, as it would without the fill.
func (p *Policy) FillZeroed(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time) (int, time.Time, error) {
	p.mu.Lock()
	known, to := p.zeroedFrom, p.zeroedTo
	p.mu.Unlock()
	start := now.Add(-lookback)
	if to.IsZero() || !known.After(start) {
		return 0, known, nil
	}
	told := 0
	older, err := readZeroed(ctx, q, start, known, step, clock, p.tellZeroed(defaultNamespace, zeroedKeep, map[provider.Ref]bool{}, &told))
	p.mu.Lock()
	defer p.mu.Unlock()
	if !older.IsZero() && p.zeroedFrom.Equal(known) {
		p.zeroedFrom = older
	}
	return told, p.zeroedFrom, err
}

// tellZeroed is readZeroed's fell for the policy: each function's count
// set (replacing one held when replace), once a function — its two names
// ("fn" and "fn.openfaas-fn") are read as two series, and the first, the
// newest fall, is its last — recorded in read, and counted in told when
// set. A name that does not parse is skipped (the invocation history
// counts it in Skipped when it has calls).
func (p *Policy) tellZeroed(defaultNamespace string, how zeroedSet, read map[provider.Ref]bool, told *int) func(string, uint64) {
	return func(name string, replicas uint64) {
		ref, err := provider.ParseRef(name, defaultNamespace)
		if err != nil || read[ref] {
			return
		}
		read[ref] = true
		if p.setZeroed(ref, replicas, how) {
			*told++
		}
	}
}

// zeroedFall is one series' last fall to zero in a span: from replicas, at.
type zeroedFall struct {
	name     string
	at       model.Time
	replicas uint64
}

// later is the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ZeroedCurrent says that this replica's idler led from since to until:
// the counts it tells the policy (Zeroed) as it idles keep the counts
// current through its term, so when they were current at since (the term's
// RefreshZeroed read up to then), they are at until, and the next term's
// refresh reads the history after until only.
func (p *Policy) ZeroedCurrent(since, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !since.IsZero() && p.zeroedTo.Equal(since) && until.After(since) {
		p.zeroedTo = until
	}
}
