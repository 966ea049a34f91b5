package keepalive

import (
	"context"
	"math"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Rebuild reads the counter's lookback in parts of the lookback, each
// learned and dropped before the next is asked for. Asked whole, a day at
// one-minute steps is 1,441 points a counter series: 14 million at 10,000
// functions, held at once as the JSON body and as the decoded matrix (over
// 500 MB), at every start, in a controller whose chart sets a 256 MiB
// limit: killed for memory at each start, it never started. A part holds
// at most about rebuildMaxPoints points.

// rebuildMaxPoints bounds the points (series × steps) one range query of
// the rebuild asks for, when the number of series is known: about 10 MB
// decoded, a few tens of MB as the body, at any fleet size.
var rebuildMaxPoints = 500_000

// rebuildDefaultChunk is a part's steps when the number of series is not
// known (the count query failed): an hour at one-minute steps.
const rebuildDefaultChunk = 60

// RebuildSeriesQuery counts RebuildQuery's series (one a function and
// gateway instance), to size Rebuild's parts.
// Rebuild asks it over the lookback (rebuildChunkSteps), not at now only.
func RebuildSeriesQuery() string { return "count(" + RebuildQuery() + ")" }

// rebuildCountEvery is the most time between the instants at which
// rebuildChunkSteps counts the series: Prometheus' default lookback delta,
// within which a sample is seen, so that a series scraped more often is
// counted at one of them at least. (At a coarser rebuild step, the range
// query itself sees only the series present at its steps.)
const rebuildCountEvery = 5 * time.Minute

// rebuildChunkSteps is how many steps each of Rebuild's range queries asks
// for, of steps in all: as many as keep series × steps within
// rebuildMaxPoints, the series being the most counted at any instant of
// the lookback ending at now (at most rebuildCountEvery apart). Counted at
// now only, the series of functions deleted within the lookback, of
// gateway instances replaced, or all of them when the gateway is down or
// was restarted without calls as the controller starts, were not counted,
// and a part asked for the whole lookback of them at once: the memory the
// parts are there to bound. Series that come and go within a part are
// still not counted; queryRange splits a part Prometheus refuses.
func rebuildChunkSteps(ctx context.Context, q RangeQuerier, now time.Time, lookback, step time.Duration, steps int) int {
	n := rebuildDefaultChunk
	every := max(step, rebuildCountEvery)
	k := (lookback + every - 1) / every // instants before now, the first at or before the lookback's start
	v, warnings, _, err := q.QueryRange(ctx, RebuildSeriesQuery(), v1.Range{Start: now.Add(-k * every), End: now, Step: every})
	if m, ok := v.(model.Matrix); ok && err == nil && promql.PartialWarning(warnings) == "" {
		series := 0.0
		for _, s := range m {
			for _, pt := range s.Values {
				series = math.Max(series, float64(pt.Value))
			}
		}
		n = steps
		if series >= 1 {
			n = int(math.Max(1, math.Floor(float64(rebuildMaxPoints)/series)))
		}
	}
	return max(1, min(n, steps))
}

// rebuilder is what Rebuild carries from one part of the lookback to the
// next.
type rebuilder struct {
	p                *Policy
	step             time.Duration
	defaultNamespace string
	// begun: a part held a value; baselineEnd is then final.
	begun       bool
	baselineEnd time.Time
	// series is each counter series' state, by its labels (seriesKeyOf).
	series map[seriesKey]*seriesState
	// instances holds one copy of each gateway instance's name, which the
	// keys of its series share (a fleet's series name a few instances).
	instances map[string]string
	learned   map[provider.Ref]struct{} // functions with at least one invocation
	skipped   map[string]bool           // function_name values that did not parse
	rep       RebuildReport
}

// seriesKey tells one counter series from another across the parts by
// the labels RebuildQuery's series carry, function_name and instance (a
// series without an instance has it ""), rather than by the whole label
// map the series came with: the state of every series at 100,000
// functions held the first part's labels, tens of MB through the whole
// rebuild, and fingerprinting every series' labels at every part was a
// third of its CPU (BenchmarkRebuildDay). A series with other labels, or
// with an empty function_name or instance, is odd: its key is its whole
// label set written out, so series that differ only there stay apart, as
// they did.
type seriesKey struct {
	fn, instance string
	odd          bool
}

// seriesKeyOf is metric's seriesKey, its instance shared with the other
// keys of that instance.
func (r *rebuilder) seriesKeyOf(metric model.Metric) seriesKey {
	fn, hasFn := metric["function_name"]
	in, hasIn := metric["instance"]
	switch {
	case fn == "" || hasIn && in == "":
	case len(metric) == 2 && hasIn, len(metric) == 1 && hasFn:
		shared, ok := r.instances[string(in)]
		if !ok {
			shared = string(in)
			r.instances[shared] = shared
		}
		return seriesKey{fn: string(fn), instance: shared}
	}
	return seriesKey{fn: model.LabelSet(metric).String(), odd: true}
}

// seriesState is what one counter series' earlier steps leave for its
// later ones (seriesCounts): its last value, whether it had one, its
// gateway's process start time at that value's step and whether that was
// known (a part's start times are dropped with it: the state carries the
// one its last value needs), and its function (ok false: its name does not
// parse).
type seriesState struct {
	ref       provider.Ref
	last      float64
	started   float64
	ok        bool
	seen      bool
	startedOK bool
}

// state is the series' state, made at its first part.
func (r *rebuilder) state(metric model.Metric) *seriesState {
	key := r.seriesKeyOf(metric)
	if st := r.series[key]; st != nil {
		return st
	}
	st := &seriesState{}
	name := string(metric["function_name"])
	ref, err := provider.ParseRef(name, r.defaultNamespace)
	if err != nil {
		if !r.skipped[name] { // one name, a series for each gateway instance
			r.skipped[name] = true
			r.rep.Skipped = append(r.rep.Skipped, name)
		}
	} else {
		st.ref, st.ok = ref, true
	}
	r.series[key] = st
	return st
}

// learn feeds one part of the lookback (every series' values at its steps,
// and its gateway instances' start times at them) to the policy, each
// function's steps in time order. Each function's idle times are its own,
// so the order of functions does not matter, and the parts come in time
// order.
func (r *rebuilder) learn(m model.Matrix, starts startTimes) {
	counts := map[provider.Ref][]stepCount{}
	for _, s := range m {
		st := r.state(s.Metric)
		if !st.ok {
			continue
		}
		counts[st.ref] = seriesCounts(counts[st.ref], st, inTimeOrder(s.Values), r.baselineEnd, starts[string(s.Metric["instance"])])
	}
	for ref, cs := range counts {
		if len(cs) > 0 {
			r.learned[ref] = struct{}{}
			r.rep.Invocations += r.p.observeSteps(ref, cs, r.step)
		}
	}
}
