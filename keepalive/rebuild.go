package keepalive

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// RangeQuerier is the part of the Prometheus HTTP API (client_golang
// v1.25's v1.API, whose queries return warnings and infos) that rebuilding
// needs.
type RangeQuerier interface {
	QueryRange(ctx context.Context, query string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error)
}

// RebuildQuery is the range query Rebuild runs: the gateway's counter of
// invocations started (the one the idler reads) itself, one series a
// function and gateway instance, which Prometheus values at each step at
// its last sample at or before the step (within its lookback, 5 min by
// default). Rebuild takes the differences itself (seriesCounts), not
// increase(): increase() never counts a counter's first value, which is a
// function's only call when it had one, and the first call after a
// gateway restart; and over back-to-back windows of one step it misses
// every rise between the last sample of one window and the first of the
// next. Summing by function is Rebuild's too: series are differenced on
// their own, so one gateway's reset is not read as a fall of the others'.
//
// A reset is a fall, or a change of the gateway process: a gateway
// restarted in place (its container restarted in its pod) keeps its
// `instance`, and a counter back at or above its old value by the next
// step read as a rise — a rare function called once before the restart
// and once after, 1 and then 1 again, learned no second call. Rebuild
// reads each gateway instance's process start time at the same steps
// (RebuildStartTimesQuery, one more query a part), and a value whose start
// time is later than the one at the series' value before counts whole
// (by more than one process's start time moves between reads:
// promql.StartedAgain).
// Where either is not known (a gateway without process metrics, a part
// whose start times could not be read: RebuildReport.StartTimesErr), the
// value reads as a fall or a rise, as before; missing is no restart.
//
// A gateway instance Prometheus holds twice (scraped by two jobs, or two
// HA replicas read through a querier that does not deduplicate) is one
// series here: the max of its copies (promql.OncePerGateway). Differenced
// each on its own and summed, the copies taught every call twice. The
// copies are one counter read by two scrapes a few seconds apart, so at a
// step their max is the newer reading; it never falls while both are
// scraped, nor when one goes (its last reading is older than the other's
// next, as long as the step is not shorter than the scrape interval), and
// a gateway restart shows once both copies have read the restarted
// counter: as a fall, or as a change of the copies' earliest start time
// (RebuildStartTimesQuery), counted from there as any reset
// (seriesCounts).
//
// On a gateway without the started counter (older than it) the invocation
// counter stands in, summed over its status codes, as the feeder's and the
// idler's queries fall back to it: without it a rebuild there learned
// nothing, and every restart threw away what the feeder had learned. The
// fallback is decided per gateway instance and qualified function name,
// defaultNamespace qualifying a bare one, as the feeder's read and the
// activity query decide it (promql.StartedCountersMatching): decided per
// function_name as written, a replica that counted a function's calls in
// its started counter under the bare name and in its invocation counter
// under the qualified one taught each call twice.
func RebuildQueryIn(defaultNamespace string) string { return promql.StartedCounters(defaultNamespace) }

// RebuildQuery is RebuildQueryIn of OpenFaaS' default namespace,
// openfaas-fn: the query a rebuild for it asks, which tests of other
// packages answer by its text.
func RebuildQuery() string { return RebuildQueryIn(openfaasNamespace) }

// openfaasNamespace is OpenFaaS' default function namespace.
const openfaasNamespace = "openfaas-fn"

// RebuildReplicasQuery is Rebuild's second range query: the steps in which
// a function's replica count (gateway_service_count, the gauge the gateway
// exports; the highest of several gateways') fell to zero, each valued at
// the highest count of the step before. A step's highest count still
// shows what the count fell from, and the next step's is 0. Prometheus
// answers only those steps — not every step of every deployed function
// (a day at one-minute steps is 1,441 points a function, 14 million at
// 10,000) — and a scrape gap across the fall yields nothing (no sample
// is not zero): that function pre-warms one replica, as without history.
func RebuildReplicasQuery(step time.Duration) string {
	w := model.Duration(step)
	return fmt.Sprintf(`(max by (function_name) (max_over_time(gateway_service_count[%[1]s] offset %[1]s)) > 0)`+
		` and on (function_name) (max by (function_name) (max_over_time(gateway_service_count[%[1]s])) == 0)`, w)
}

// RebuildReport says what Rebuild learned.
type RebuildReport struct {
	Functions   int      // functions with at least one invocation in the lookback
	Invocations float64  // invocations seen
	Skipped     []string // function_name values that did not parse, each once
	// Zeroed counts the functions whose last scale to zero in the lookback
	// (or in the recent span read, From) was found, and so pre-warm to the
	// count they went to zero from.
	Zeroed int
	// ZeroedErr is why the replica history could not be read, or not all
	// of it (nil when it was, or when the rest would not fit in
	// RebuildWithin's bound): the idle times are rebuilt anyway, and
	// pre-warms start one replica until the idler next idles each function
	// whose fall was not read, as without history.
	ZeroedErr error
	// ZeroedFrom is where the replica history read begins when it was read
	// newest first and not all of it (RebuildWithin, at its bound; zero when
	// all of it was read, or none: ZeroedErr).
	ZeroedFrom time.Time
	// HistoryFrom is where Prometheus' history of the gateway begins, when
	// that is within the lookback (its retention is shorter, or its storage
	// was emptied): the counters' values there are a baseline. Zero when
	// the history covers the lookback's start.
	HistoryFrom time.Time
	// StartTimesErr is why the gateway processes' start times could not
	// be read for a part of the lookback or more (nil when they were):
	// the idle times are rebuilt anyway, and a gateway restarted in place
	// in such a part reads as one not restarted (RebuildStartTimesQuery).
	StartTimesErr error
	// From is where the history read begins when RebuildWithin shortened
	// the lookback to what its time bound allows (rebuildspan.go); zero
	// when the whole lookback was read.
	From time.Time
}

// RebuildCoverageQuery is what Rebuild asks, at the step before the first
// value of any counter when that is not the range's first step, to tell a
// history that begins there from a gateway scraped before but with no
// counter yet (no function called since it started): the gateway exports
// its replica gauge for every deployed function, called or not.
func RebuildCoverageQuery() string { return "count(gateway_service_count)" }

// wholeSteps is d rounded up to a whole number of steps (step > 0): how far
// back a range query must start for its last step to fall at its end.
func wholeSteps(d, step time.Duration) time.Duration {
	return (d + step - 1) / step * step
}

// Rebuild restores the learned idle times after a restart or failover from
// Prometheus history instead of a private database: one range query of the
// counter over lookback ending at now (rounded up to whole steps, so that
// the last step is now), with the given step (in parts when
// Prometheus' --query.max-samples refuses it whole: queryRange), and one of
// its gateways' process start times at the same steps (a reset without a
// fall: RebuildQuery), differenced per series, summed per function and
// step, and fed to ObserveCount in time order (ObserveLateCount for calls
// a series counts back from an absence: seriesCounts). Idle times are then
// known at step resolution (a minute is enough for keep-alive windows
// counted in minutes). Calls before the lookback's first step
// are not learned, nor those before Prometheus' history of the gateway
// begins when that is within the lookback (RebuildReport.HistoryFrom).
// Call it before the first Observe; it never removes what
// was already learned. On an error the parts read before it stay learned,
// and the time up to now is unknown (Unknown): a call the feeder sees next
// starts an idle time instead of ending one begun in those parts, across
// history nobody read (the lookback of a large fleet is read in many
// parts, and its budget can run out between two).
func (p *Policy) Rebuild(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string) (RebuildReport, error) {
	return p.rebuild(ctx, q, now, lookback, step, defaultNamespace, nil, false)
}

// rebuild is Rebuild; with clock, RebuildWithin. older is a span of the
// fill (rebuildfill.go) into a scratch policy: it keeps its functions' first
// calls and leaves the replica history to the term, which reads it apart.
// Otherwise a span shortened by clock's bound, on a fleet read in one answer
// a part, starts keeping first calls for the fill (Fills), unless
// Prometheus' history turns out to begin inside it.
func (p *Policy) rebuild(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, defaultNamespace string, clock func() time.Time, older bool) (_ RebuildReport, err error) {
	if lookback > 0 && step > 0 {
		// Rounded up to whole steps before anything else (as documented):
		// a lookback under a step (keep_alive.rebuild_lookback 30s, which
		// the configuration accepts) was refused here and nothing was
		// relearned (a review's finding).
		lookback = wholeSteps(lookback, step)
	}
	if lookback <= 0 || step <= 0 || step > lookback {
		return RebuildReport{}, fmt.Errorf("keepalive: rebuild lookback %s and step %s: want 0 < step ≤ lookback", lookback, step)
	}
	// Prometheus answers a range query at its start and every step after
	// it, so the last step is now only when from is a whole number of
	// steps before it: keep_alive.rebuild_lookback is any duration, and
	// from now-lookback the last step fell before now (30 s before at
	// 1h30s), a call between the two counted by neither the rebuild nor
	// the feeder, which carries on from now (Feeder.ReadsFrom). Rounded up,
	// not down: the first step is a baseline, and every call after
	// now-lookback is still learned.
	lookback = wholeSteps(lookback, step)
	from := now.Add(-lookback)
	r := rebuilder{p: p, step: step, defaultNamespace: defaultNamespace,
		instances: map[string]string{}, skipped: map[string]bool{}, gateways: map[string]*gatewaySteps{}}
	r.series = newIndex(func(st *seriesState) seriesKey { return st.key }, compareSeriesKeys)
	r.functions = newIndex(r.ref, compareRefs)
	// Prometheus' steps are at from + k·step, to the millisecond; half a
	// step tells the first from the second whatever the rounding. A value
	// before baselineEnd is a baseline: what the counter counted before
	// the history Rebuild can see.
	steps := int(lookback/step) + 1
	var size partSize
	shortened := false
	if clock == nil {
		size = newShardSpread(q, now, step, defaultNamespace).choose(ctx, sizeAcross(ctx, q, defaultNamespace, now, lookback, step, steps))
	} else {
		size, from, shortened, err = planWithin(ctx, q, defaultNamespace, clock, from, now, lookback, step, steps)
		if err != nil {
			p.Unknown(now)
			return RebuildReport{}, fmt.Errorf("keepalive: rebuild from Prometheus: %w", err)
		}
		if shortened {
			r.rep.From = from
		}
	}
	if older || shortened && size.shards <= 1 {
		p.trackFirsts(from)
		defer func() {
			if err != nil && !older { // no fill follows a rebuild that failed
				p.stopFirsts()
			}
		}()
	}
	r.baselineEnd = from.Add(step / 2)
	if !older {
		r.handoverAfter = p.beginHandover(now, step)
		defer func() {
			if err != nil {
				p.takeHandover() // no feeder reads from a failed rebuild: not kept
			}
		}()
	}
	chunk := size.chunk
	parts, part, n := partCount(from, now, step, chunk), 0, partSteps(from, now, step, chunk)
	for start := from; !start.After(now); {
		part++
		end := start.Add(time.Duration(n-1) * step)
		n = chunk
		for shard := range size.shards {
			if err := r.readShard(ctx, q, size, shard, start, end); err != nil {
				p.Unknown(now)
				if errors.Is(err, errNotMatrix) {
					return RebuildReport{}, errors.New("keepalive: rebuild: Prometheus did not return a matrix")
				}
				if parts > 1 {
					// Which part, so that a rebuild cut by its bound says
					// how far it got (at 100,000 functions a day is 289
					// parts).
					return RebuildReport{}, fmt.Errorf("keepalive: rebuild from Prometheus: part %d of %d, from %s: %w",
						part, parts, start.UTC().Format(time.RFC3339), err)
				}
				return RebuildReport{}, fmt.Errorf("keepalive: rebuild from Prometheus: %w", err)
			}
		}
		start = end.Add(step)
	}
	rep := r.rep
	rep.Functions = r.learnedFunctions()
	if shortened && !older && !rep.HistoryFrom.IsZero() {
		// Prometheus' history begins inside the span read: there is no
		// older history to fill, and a fill read the empty spans before
		// it and noted the lookback's start as learned from.
		p.stopFirsts()
	}
	if !older {
		// A span's scratch policy learns for FillRebuild, which notes
		// the span on p once it is put before p's histories. Where
		// Prometheus' history begins inside the span (HistoryFrom;
		// zero: before it), the calls reach back only to there.
		p.noteLearnedFrom(later(from, rep.HistoryFrom))
	}
	// Over the span the parts were read over: the lookback's, or the
	// recent span RebuildWithin chose, for which the time left is kept.
	// The replica history costs Prometheus about what the counters do a
	// step (0.2-0.4 s at 100,000 functions): over a whole day after a
	// recent span, it always ran out of time. Within RebuildWithin's bound
	// it is read newest first (readZeroed), as far back as fits.
	if older {
		return rep, nil
	}
	var reached time.Time
	rep.Zeroed, reached, rep.ZeroedErr = p.rebuildZeroed(ctx, q, from, now, step, defaultNamespace, clock)
	if reached.After(from) {
		rep.ZeroedFrom = reached
	}
	return rep, nil
}

// readShard reads and learns one shard of the part from start to end.
func (r *rebuilder) readShard(ctx context.Context, q RangeQuerier, size partSize, shard int, start, end time.Time) error {
	m, err := queryRange(ctx, q, size.query(shard, r.defaultNamespace), start, end, r.step)
	if err != nil {
		return err
	}
	if !r.begun {
		first, ok := firstStep(m)
		if size.shards > 1 && shard == 0 {
			// The part's first value, not this shard's, whose functions
			// may have been called first later (the others' then
			// follow: begun, or no series in the part).
			if f, found, known := firstCounted(ctx, q, r.defaultNamespace, start, end, r.step); known {
				first, ok = f, found
			}
		}
		if ok {
			r.begun = true
			if !first.Time().Before(r.baselineEnd) && historyBegins(ctx, q, first, r.step) {
				// No counter at the range's first step, nor any gateway
				// series at the step before the first counter:
				// Prometheus' history begins there (a retention shorter
				// than the lookback, a Prometheus whose storage was
				// emptied). Every counter then shows at what it has
				// counted since its gateway started, which is not calls
				// made in that step: counting it taught every function a
				// call there.
				r.rep.HistoryFrom = first.Time()
				r.baselineEnd = first.Time().Add(r.step / 2)
			}
		}
	}
	r.find(m, shard)
	starts := r.startTimes(ctx, q, m, shard, start, end)
	r.beginShard(m, starts, start, end, size.shards)
	r.learn(m, starts)
	r.endShard()
	return nil
}

// firstStep is the earliest step at which any series of m has a value.
func firstStep(m model.Matrix) (model.Time, bool) {
	var first model.Time
	ok := false
	for _, s := range m {
		for _, pt := range s.Values {
			if !ok || pt.Timestamp < first {
				first, ok = pt.Timestamp, true
			}
		}
	}
	return first, ok
}

// historyBegins says whether Prometheus holds no gateway series at the step
// before first (RebuildCoverageQuery): its history of the gateway begins at
// first. When it cannot tell (the query failed), it says so too: taking
// what the counters hold there as a baseline loses at most the first calls
// of a gateway that had none before, where counting it would teach every
// function calls it never had then.
func historyBegins(ctx context.Context, q RangeQuerier, first model.Time, step time.Duration) bool {
	before := first.Time().Add(-step)
	v, warnings, _, err := q.QueryRange(ctx, RebuildCoverageQuery(), v1.Range{Start: before, End: before, Step: step})
	if err != nil || partialHistory(warnings) != nil {
		return true // a partial answer cannot tell either
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return true
	}
	for _, s := range m {
		if len(s.Values) > 0 {
			return false
		}
	}
	return true
}
