package keepalive

import (
	"context"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// A gateway restarted in place — its container restarted in its pod — keeps
// its `instance`, so its counter series keep their labels while the
// counters start again from 0, each made at 1 by its function's first call
// since. When such a counter is back at or above its old value by the
// series' next value, the difference reads the restart as a rise: a rare
// function called once before and once after (1, then 1 again) taught no
// second call, and one counted past its old value taught only the part
// above it. Nothing in the counter tells that apart from a scrape gap (see
// seriesCounts); the process's start time does, as it does for the
// keep-alive feeder (metricsource/prometheus: the start time is part of a
// series' key there).

// RebuildStartTimesQuery is what Rebuild asks beside the counters, over
// the same steps of each part of the lookback: the process start time of
// each gateway instance in instances (those the part's counter series
// name), the earliest of its copies.
//
// Only the gateways' instances: every target Prometheus scrapes exports a
// start time (node exporters, kubelets, every instrumented pod), and a
// part of the lookback is sized to the counter series alone
// (sizeAcross); with the instances named, the answer holds no more
// series than the part's counters, each at most a value a step: within
// the same bound.
//
// The earliest of its copies (a gateway scraped by two jobs, or two HA
// Prometheus replicas read without deduplication: promql.OncePerGateway):
// when the gateway restarts, one copy reads the new process a scrape before
// the other, and at a step between the two the counter — the larger of the
// copies — may still be the old process's. Its earliest start time changes
// only at the step at which every copy reads the new process, where the
// counter is the new process's count too, which then counts whole; read at
// the first copy's change, the old process's whole count was learned as
// calls in that step. (What the new process counts before the last copy
// reads it is learned at the step that copy does, a step late; what of it
// is above the old count was learned at the step before too, where the
// larger copy was the new process's: twice, a rarer case.)
func RebuildStartTimesQuery(instances []string) string {
	alts := make([]string, len(instances))
	for i, in := range instances {
		alts[i] = regexp.QuoteMeta(in)
	}
	return promql.StartTimes("{instance=~" + strconv.Quote(strings.Join(alts, "|")) + "}")
}

// startTimes is each gateway instance's process start time at the steps of
// one part of the lookback, in time order. A step without one (a gateway
// without process metrics, a lost sample, a part whose start times could
// not be read) is a step at which whether the process changed is not
// known.
type startTimes map[string][]model.SamplePair

// startCursor walks one instance's start times (startTimes: in time
// order) in step with a series' points, which are in time order too: each
// point's start time is looked for from where the point before's was,
// where a binary search for every point was a sixth of the rebuild's CPU.
type startCursor struct {
	pts []model.SamplePair
	i   int // pts before i are before the last step asked for
}

// at is the process start time at the step t, if known. t is never before
// the step asked for before it.
func (c *startCursor) at(t model.Time) (float64, bool) {
	for c.i < len(c.pts) && c.pts[c.i].Timestamp < t {
		c.i++
	}
	if c.i == len(c.pts) || c.pts[c.i].Timestamp != t {
		return 0, false
	}
	v := float64(c.pts[c.i].Value)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// startTimes reads the start times of the gateway instances m's counter
// series (found) name, over the part from start to end, and in the part's
// shard 0 (a part read whole is one) those of every gateway instance the
// rebuild already knows (r.gateways) too. It never fails the
// rebuild: without them (the query failed, or its answer may lack series)
// every value of the part has no start time, and reads as before start
// times were read; the first such error is reported (StartTimesErr).
// Series without an instance ask for nothing.
//
// The known gateways because a gateway scraped without counters in a part
// (restarted in place and not called since: its old process's series
// stale, its new one's not made yet) is still scraped: its start time is
// read at every step, and the feeder sights it by that alone
// (metricsource/prometheus epochs.go). Asked only with counters, the parts
// between its restart and its next call never noted it, and gone took it
// for unscraped there: a function first called through it was counted
// late when the parts were small (100,000 functions: 2 steps a part) and
// on time when read whole (review 53K). Shard 0 only: each shard's answer
// would hold the same series, and presence is the part's, whichever shard
// notes it (endShard). A fleet knows a few instances (one per gateway pod
// seen in the lookback), so the query stays a few names and its answer a
// series each.
func (r *rebuilder) startTimes(ctx context.Context, q RangeQuerier, m model.Matrix, shard int, start, end time.Time) startTimes {
	// A fleet's series name a few instances: a set of them, where a list
	// of every series' instance sorted was 100,000 names at each part.
	named := map[string]struct{}{}
	last := ""
	for i, s := range m {
		if in := r.instance(m, i); in != "" && in != last && len(s.Values) > 0 {
			named[in], last = struct{}{}, in
		}
	}
	if shard == 0 {
		for in := range r.gateways {
			named[in] = struct{}{}
		}
	}
	if len(named) == 0 {
		return nil
	}
	instances := slices.Sorted(maps.Keys(named))
	a, err := queryRange(ctx, q, RebuildStartTimesQuery(instances), start, end, r.step)
	if err != nil {
		if r.rep.StartTimesErr == nil {
			r.rep.StartTimesErr = fmt.Errorf("keepalive: rebuild the gateways' start times from %s: %w", start.UTC().Format(time.RFC3339), err)
		}
		return nil
	}
	out := make(startTimes, len(a))
	for _, s := range a {
		out[string(s.Metric["instance"])] = inTimeOrder(s.Values)
	}
	return out
}
