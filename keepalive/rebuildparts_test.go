package keepalive

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ranged answers the counter query as Prometheus does, with the points of
// its series within the query's range only, counts the series for
// RebuildSeriesQuery, and records the most points one answer held.
type ranged struct {
	series    model.Matrix
	maxPoints int
	maxSeries int // the most series of one counter answer
	queries   int
	at        map[model.Time]int // series with a value at each time (count), made once
}

func (f *ranged) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q == RebuildSeriesQuery() {
		return f.count(r), nil, nil, nil
	}
	for at := 0; at <= maxShardPosition; at++ {
		if q == ShardSpreadQuery(at, "openfaas-fn") {
			return f.spread(r, at), nil, nil, nil
		}
	}
	selects, _, ok := counterShard(q)
	if !ok {
		return model.Matrix{}, nil, nil, nil
	}
	f.queries++
	from, to := model.TimeFromUnixNano(r.Start.UnixNano()), model.TimeFromUnixNano(r.End.UnixNano())
	out, points := model.Matrix{}, 0
	for _, s := range f.series {
		if !selects(s.Metric["function_name"]) {
			continue
		}
		part := &model.SampleStream{Metric: s.Metric}
		for _, pt := range s.Values {
			if pt.Timestamp >= from && pt.Timestamp <= to {
				part.Values = append(part.Values, pt)
			}
		}
		if len(part.Values) > 0 {
			out = append(out, part)
			points += len(part.Values)
		}
	}
	f.maxPoints = max(f.maxPoints, points)
	f.maxSeries = max(f.maxSeries, len(out))
	return out, nil, nil, nil
}

// spread answers ShardSpreadQuery(at) as Prometheus does at r's end: the
// series with a value there counted by the character at from the end of
// their name part (charFromEnd), those without one under no label.
func (f *ranged) spread(r v1.Range, at int) model.Matrix {
	end := model.TimeFromUnixNano(r.End.UnixNano())
	by := map[string]float64{}
	for _, s := range f.series {
		for _, pt := range s.Values {
			if pt.Timestamp <= end && end-pt.Timestamp < model.Time(5*time.Minute/time.Millisecond) {
				by[charFromEnd(string(s.Metric["function_name"]), at)]++
				break
			}
		}
	}
	return spreadAnswer(by, end)
}

// count answers RebuildSeriesQuery as Prometheus does: at each step of r
// with any, the series with a value there.
func (f *ranged) count(r v1.Range) model.Matrix {
	if f.at == nil {
		f.at = map[model.Time]int{}
		for _, series := range f.series {
			seen := map[model.Time]bool{}
			for _, pt := range series.Values {
				if !seen[pt.Timestamp] {
					seen[pt.Timestamp] = true
					f.at[pt.Timestamp]++
				}
			}
		}
	}
	s := &model.SampleStream{Metric: model.Metric{}}
	for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
		t := model.TimeFromUnixNano(at.UnixNano())
		if n := f.at[t]; n > 0 {
			s.Values = append(s.Values, model.SamplePair{Timestamp: t, Value: model.SampleValue(n)})
		}
	}
	return model.Matrix{s}
}

// randomCounters is n functions' started counters over a day at one-minute
// steps, some on two gateway instances: rare, medium and busy callers,
// gateway restarts (the counter falls), scrape gaps (no value), series
// created within the day, and one name that does not parse.
func randomCounters(seed uint64, n int, from time.Time, steps int) model.Matrix {
	rng := rand.New(rand.NewPCG(seed, 1))
	var m model.Matrix
	for i := range n {
		name := model.LabelValue("fn" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".openfaas-fn")
		if i == n-1 {
			name = ".bad"
		}
		for inst := range 1 + rng.IntN(2) {
			s := &model.SampleStream{Metric: model.Metric{model.MetricNameLabel: model.LabelValue(RebuildQuery()),
				"function_name": name, "instance": model.LabelValue("gw-" + string(rune('a'+inst)))}}
			rate := []float64{0.01, 0.2, 3}[rng.IntN(3)] // calls a minute
			born := 0
			if rng.IntN(4) == 0 {
				born = rng.IntN(steps)
			}
			v := float64(rng.IntN(50))
			for k := born; k < steps; k++ {
				if rng.Float64() < rate/(1+rate) {
					v += float64(1 + rng.IntN(3))
				}
				if rng.IntN(500) == 0 {
					v = float64(rng.IntN(3)) // a gateway restart
				}
				if rng.IntN(200) == 0 {
					continue // a scrape gap
				}
				at := model.TimeFromUnixNano(from.Add(time.Duration(k) * time.Minute).UnixNano())
				s.Values = append(s.Values, model.SamplePair{Timestamp: at, Value: model.SampleValue(v)})
			}
			m = append(m, s)
		}
	}
	return m
}

// learnedOf is what a policy learned of each function: its idle times and
// their weights in arrival order, its last call, and its plan's
// explanation.
func learnedOf(p *Policy, now time.Time) map[provider.Ref]any {
	out := map[provider.Ref]any{}
	p.mu.Lock()
	refs := make([]provider.Ref, 0, len(p.fns))
	for ref, h := range p.fns {
		refs = append(refs, ref)
		out[ref] = []any{append([]float32(nil), h.idleSeconds()...), append([]float32(nil), h.weights()...), h.last, h.slack, h.seen}
	}
	p.mu.Unlock()
	for _, ref := range refs {
		e, _ := p.Explain(ref, 10*time.Minute, now)
		out[ref] = append(out[ref].([]any), e)
	}
	return out
}

// TestRebuildInPartsIsTheWholeRebuild: Rebuild asks for the lookback in
// parts of at most rebuildMaxPoints points (a day of 10,000 functions'
// counters asked whole was over 500 MB held at once, at every start, under
// the chart's 256 MiB limit), and learns exactly what one answer of the
// whole lookback teaches.
//
// Seen failing before the parts: "the largest answer held 72,151 points,
// want at most 5,000".
func TestRebuildInPartsIsTheWholeRebuild(t *testing.T) {
	defer func(n int) { rebuildMaxPoints = n }(rebuildMaxPoints)
	const steps = 24*60 + 1
	now := t0.Add(24 * time.Hour)
	for seed := range uint64(3) {
		series := randomCounters(seed, 40, t0, steps)
		rebuild := func(maxPoints int) (*Policy, RebuildReport, *ranged) {
			rebuildMaxPoints = maxPoints
			f := &ranged{series: series}
			p, _ := New(Config{PreWarmShare: 0.25})
			rep, err := p.Rebuild(context.Background(), f, now, 24*time.Hour, time.Minute, "openfaas-fn")
			if err != nil {
				t.Fatal(err)
			}
			return p, rep, f
		}
		whole, wholeRep, wf := rebuild(1 << 30)
		parts, partsRep, pf := rebuild(5000)
		if wf.queries != 1 {
			t.Fatalf("seed %d: %d queries with no bound, want 1", seed, wf.queries)
		}
		if pf.maxPoints > 5000 || pf.queries < 2 {
			t.Errorf("seed %d: the largest answer held %d points in %d queries, want at most 5,000", seed, pf.maxPoints, pf.queries)
		}
		if !reflect.DeepEqual(wholeRep, partsRep) {
			t.Errorf("seed %d: report in parts %+v, whole %+v", seed, partsRep, wholeRep)
		}
		if wholeRep.Functions < 30 || wholeRep.Invocations < 1000 || len(wholeRep.Skipped) != 1 {
			t.Errorf("seed %d: the whole rebuild learned %+v: the data does not exercise it", seed, wholeRep)
		}
		if w, p := learnedOf(whole, now), learnedOf(parts, now); !reflect.DeepEqual(w, p) {
			for ref := range w {
				if !reflect.DeepEqual(w[ref], p[ref]) {
					t.Errorf("seed %d: %s learned in parts\n%v\nwhole\n%v", seed, ref, p[ref], w[ref])
					break
				}
			}
		}
	}
}

// nanCount answers the series count (RebuildSeriesQuery) with NaN at every
// step, and the counters as ranged does.
type nanCount struct{ ranged }

func (f *nanCount) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q == RebuildSeriesQuery() {
		s := &model.SampleStream{Metric: model.Metric{}}
		for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
			s.Values = append(s.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(math.NaN())})
		}
		return model.Matrix{s}, nil, nil, nil
	}
	return f.ranged.QueryRange(ctx, q, r, opts...)
}

// TestRebuildReadsTheCountersWhenTheSeriesCountIsNaN: the series count
// that sizes the parts answered NaN (a broken proxy or querier in front of
// Prometheus: odd input). countSeries' math.Max kept the NaN, sizeFor
// turned it into int(NaN) shards (on amd64 the most negative int), and
// the loop over the shards read nothing: the rebuild returned success
// having read no counter at all, every function's history lost, with
// nothing said. A count that is not a number is a count not known, as a
// failed count is: sizeFor's unknown size, an hour a part (the 61 steps in
// two), one shard. Found by a review.
//
// Seen failing before the fix: rebuildparts_test.go:249: report {Functions:0 Invocations:0 Skipped:[] Zeroed:0 ZeroedErr:<nil> ZeroedFrom:0001-01-01 00:00:00 +0000 UTC HistoryFrom:0001-01-01 00:00:00 +0000 UTC StartTimesErr:<nil> From:0001-01-01 00:00:00 +0000 UTC}, idle times [], 0 counter queries; want the 3 calls at 10m, 30m and 50m read in two parts and the two 20m idle times between them learned
func TestRebuildReadsTheCountersWhenTheSeriesCountIsNaN(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	f := &nanCount{ranged{series: model.Matrix{counterAt("fn", "gw-a", map[int]float64{0: 3, 10: 4, 30: 5, 50: 6})}}}
	p := mustPolicy(t)
	rep, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if got := idleTimes(p, ref); rep.Functions != 1 || rep.Invocations != 3 || len(got) != 2 || f.queries != 2 {
		t.Errorf("report %+v, idle times %v, %d counter queries; want the 3 calls at 10m, 30m and 50m read in two parts "+
			"and the two 20m idle times between them learned", rep, got, f.queries)
	}
}
