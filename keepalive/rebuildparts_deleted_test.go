package keepalive

import (
	"context"
	"reflect"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// lookbackCounted is ranged, but answers RebuildSeriesQuery as Prometheus
// does: at each step of the query's range, the series with a sample in the
// 5 minutes up to it (its default lookback delta), and no point at a step
// where there is none (count() of nothing is nothing, not 0).
type lookbackCounted struct{ *ranged }

func (f lookbackCounted) QueryRange(ctx context.Context, q string, r v1.Range, opts ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != RebuildSeriesQuery() {
		return f.ranged.QueryRange(ctx, q, r, opts...)
	}
	out := &model.SampleStream{Metric: model.Metric{}}
	for at := r.Start; !at.After(r.End); at = at.Add(r.Step) {
		to := model.TimeFromUnixNano(at.UnixNano())
		from := to.Add(-5 * time.Minute)
		n := 0
		for _, s := range f.series {
			for _, pt := range s.Values {
				if pt.Timestamp > from && pt.Timestamp <= to {
					n++
					break
				}
			}
		}
		if n > 0 {
			out.Values = append(out.Values, model.SamplePair{Timestamp: to, Value: model.SampleValue(n)})
		}
	}
	if len(out.Values) == 0 {
		return model.Matrix{}, nil, nil, nil
	}
	return model.Matrix{out}, nil, nil, nil
}

// TestRebuildPartsBoundedWhenSeriesAreGoneAtStart: Rebuild sized its parts
// from the counter's series at now only. Series that are in the lookback
// but not at now (functions deleted within it, a preview namespace
// removed, gateway instances replaced; or every series, when the gateway
// is down or restarted without calls as the controller starts) were not
// counted, so a part asked for the whole lookback of all of them at once:
// at 10,000 functions a day at one-minute steps, the 500 MB the parts are
// there to avoid, at the start after which they matter most. The parts
// must stay within rebuildMaxPoints, and learn what one answer would.
//
// Seen failing before the fix: "deleted: the largest answer held 64910
// points in 1 queries, want at most 5,000" (gateway-down: 78410 points).
func TestRebuildPartsBoundedWhenSeriesAreGoneAtStart(t *testing.T) {
	defer func(n int) { rebuildMaxPoints = n }(rebuildMaxPoints)
	const steps = 24*60 + 1
	now := t0.Add(24 * time.Hour)
	for _, tc := range []struct {
		name  string
		cut   time.Time // series end here
		alive int       // the first alive series go on to now
	}{
		{"deleted", t0.Add(20 * time.Hour), 1},
		{"gateway-down", now.Add(-10 * time.Minute), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			series := randomCounters(7, 40, t0, steps)
			cut := model.TimeFromUnixNano(tc.cut.UnixNano())
			for i, s := range series {
				if i < tc.alive {
					continue
				}
				k := 0
				for k < len(s.Values) && s.Values[k].Timestamp < cut {
					k++
				}
				s.Values = s.Values[:k]
			}
			rebuild := func(maxPoints int) (map[any]any, RebuildReport, *ranged) {
				rebuildMaxPoints = maxPoints
				f := &ranged{series: series}
				p, _ := New(Config{PreWarmShare: 0.25})
				rep, err := p.Rebuild(context.Background(), lookbackCounted{f}, now, 24*time.Hour, time.Minute, "openfaas-fn")
				if err != nil {
					t.Fatal(err)
				}
				learned := map[any]any{}
				for ref, v := range learnedOf(p, now) {
					learned[ref] = v
				}
				return learned, rep, f
			}
			whole, wholeRep, _ := rebuild(1 << 30)
			parts, partsRep, pf := rebuild(5000)
			if pf.maxPoints > 5000 {
				t.Errorf("%s: the largest answer held %d points in %d queries, want at most 5,000", tc.name, pf.maxPoints, pf.queries)
			}
			if wholeRep.Functions < 30 {
				t.Errorf("the whole rebuild learned %+v: the data does not exercise it", wholeRep)
			}
			if !reflect.DeepEqual(wholeRep, partsRep) || !reflect.DeepEqual(whole, parts) {
				t.Errorf("in parts learned %+v, whole %+v", partsRep, wholeRep)
			}
		})
	}
}
