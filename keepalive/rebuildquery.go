package keepalive

// The rebuild's range queries: asked in halves when Prometheus refuses a
// part for its size or resolution, answers joined and put in time order,
// and a partial answer (a store unreachable) refused.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// ErrPartialHistory is a rebuild refused because Prometheus' answer may
// lack series (a Thanos store unreachable, a failed remote read: a warning
// that is not a PromQL annotation, promql.PartialWarning). A store missing
// part of the lookback merges idle times into longer ones, and a function
// missing from it looks never called: learned, either is a plan nobody
// chose. The controller then learns from now on, as when Prometheus is
// down.
var ErrPartialHistory = errors.New("the history may be partial")

// partialHistory is ErrPartialHistory naming the first warning that says an
// answer may lack series, or nil.
func partialHistory(warnings []string) error {
	if w := promql.PartialWarning(warnings); w != "" {
		return fmt.Errorf("%w: %s", ErrPartialHistory, w)
	}
	return nil
}

// errNotMatrix: a range query answered with something else.
var errNotMatrix = errors.New("not a matrix")

// queryRange runs a range query from start to end at step. When Prometheus
// refuses it for holding more points at once than its --query.max-samples
// (422; 50 million by default: a day at one-minute steps of 35,000 counter
// series), it asks for each half of the steps on its own, and so on down
// to a single step, and joins each series' values (the callers put them in
// time order): the same series and values as one answer, each part within
// the limit. Refused, the rebuild learned nothing at all, at every start.
// A range over prometheusMaxResolution steps is split the same way before
// it is asked for.
func queryRange(ctx context.Context, q RangeQuerier, query string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	steps := int(end.Sub(start) / step) // after the first
	var v model.Value
	var warnings v1.Warnings
	err := errOverResolution
	if steps <= prometheusMaxResolution {
		v, warnings, _, err = q.QueryRange(ctx, query, v1.Range{Start: start, End: end, Step: step})
	}
	if err == nil {
		err = partialHistory(warnings)
	}
	if err != nil {
		if steps < 1 || !(tooManySamples(err) || errors.Is(err, errOverResolution)) {
			return nil, err
		}
		mid := start.Add(time.Duration(steps/2) * step)
		a, err := queryRange(ctx, q, query, start, mid, step)
		if err != nil {
			return nil, err
		}
		b, err := queryRange(ctx, q, query, mid.Add(step), end, step)
		if err != nil {
			return nil, err
		}
		return joinSeries(a, b), nil
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, errNotMatrix
	}
	return m, nil
}

// prometheusMaxResolution is the most steps after the first that
// Prometheus answers in one range query, whatever it holds (a fixed limit:
// "exceeded maximum resolution of 11,000 points per timeseries"): at
// Rebuild's one-minute steps, a lookback over 7 days 15 hours. queryRange
// asks for a longer range in parts without asking for it whole; refused,
// a rebuild with such a lookback learned nothing at every start.
const prometheusMaxResolution = 11_000

// errOverResolution: a range of more than prometheusMaxResolution steps,
// not asked for.
var errOverResolution = errors.New("over Prometheus' resolution")

// tooManySamples says whether err is Prometheus' refusal of a query that
// would hold more than --query.max-samples points at once.
func tooManySamples(err error) bool {
	var apiErr *v1.Error
	return errors.As(err, &apiErr) && apiErr.Type == v1.ErrExec && strings.Contains(apiErr.Msg, "too many samples")
}

// joinSeries is a with b's values added to the series of the same labels,
// and b's other series.
func joinSeries(a, b model.Matrix) model.Matrix {
	at := make(map[model.Fingerprint]*model.SampleStream, len(a))
	for _, s := range a {
		at[s.Metric.Fingerprint()] = s
	}
	for _, s := range b {
		if t, ok := at[s.Metric.Fingerprint()]; ok && t.Metric.Equal(s.Metric) {
			t.Values = append(t.Values, s.Values...)
			continue
		}
		a = append(a, s)
	}
	return a
}

// inTimeOrder is a range query's points oldest first: pts itself when they
// are (Prometheus answers each series' points in time order, and so do
// queryRange's joined halves), or else a sorted copy, the answer left as it
// came. Copied and sorted every time, the points of every series at every
// part were a quarter of the rebuild's allocations.
func inTimeOrder(pts []model.SamplePair) []model.SamplePair {
	byTime := func(a, b model.SamplePair) int { return cmp.Compare(a.Timestamp, b.Timestamp) }
	if slices.IsSortedFunc(pts, byTime) {
		return pts
	}
	out := slices.Clone(pts)
	slices.SortFunc(out, byTime)
	return out
}
