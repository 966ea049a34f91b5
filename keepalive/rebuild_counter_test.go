package keepalive

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// counterAt is one series of the gateway's counter as the rebuild query
// returns it at one-minute steps over the hour from t0 (t0 is the range's
// first step): from each minute in values on, the series holds that value
// until the next one; NaN starts an absence (no sample within Prometheus'
// lookback), as does every minute before the first.
func counterAt(name, instance string, values map[int]float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: model.Metric{
		model.MetricNameLabel: "gateway_function_invocation_started",
		"function_name":       model.LabelValue(name),
		"instance":            model.LabelValue(instance),
	}}
	v := math.NaN()
	for m := 0; m <= 60; m++ {
		if x, ok := values[m]; ok {
			v = x
		}
		if !math.IsNaN(v) {
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: atMinute(m), Value: model.SampleValue(v)})
		}
	}
	return ss
}

func atMinute(m int) model.Time {
	return model.TimeFromUnixNano(t0.Add(time.Duration(m) * time.Minute).UnixNano())
}

// wantStep is what Rebuild should learn from a step: n invocations in the
// minute ending at minute m after t0.
type wantStep struct{ m, n int }

// TestRebuildCountsCounterValues: Rebuild differences the counter's values
// itself, per series, so every call in the lookback is counted once, in the
// step it shows in. What each function learns is compared with a policy
// told the wanted steps directly.
func TestRebuildCountsCounterValues(t *testing.T) {
	notACount := counterAt("broken", "gw-a", map[int]float64{0: 2, 5: math.NaN(), 8: 2, 20: 3})
	notACount.Values = append(notACount.Values,
		model.SamplePair{Timestamp: atMinute(5), Value: model.SampleValue(math.NaN())},
		model.SamplePair{Timestamp: atMinute(6), Value: model.SampleValue(math.Inf(1))},
		model.SamplePair{Timestamp: atMinute(7), Value: -1})
	tests := map[string]struct {
		series []*model.SampleStream
		want   []wantStep
	}{
		// Created by its first call mid-range: its whole value counts.
		"once": {[]*model.SampleStream{counterAt("once", "gw-a", map[int]float64{10: 1})}, []wantStep{{10, 1}}},
		// Present at the first step: calls before the lookback are a
		// baseline, not learned.
		"steady": {[]*model.SampleStream{counterAt("steady", "gw-a", map[int]float64{0: 7})}, nil},
		"rising": {[]*model.SampleStream{counterAt("rising", "gw-a", map[int]float64{0: 5, 10: 6, 11: 8})}, []wantStep{{10, 1}, {11, 2}}},
		// A drop is a reset: the gateway restarted and counted 2 since.
		"reset": {[]*model.SampleStream{counterAt("reset", "gw-a", map[int]float64{0: 5, 10: 6, 20: 2, 30: 3})}, []wantStep{{10, 1}, {20, 2}, {30, 1}}},
		// Two gateway instances, each differenced on its own, add up; the
		// second started at minute 30 with one call.
		"pair": {[]*model.SampleStream{
			counterAt("pair", "gw-b", map[int]float64{30: 1, 45: 2}),
			counterAt("pair", "gw-a", map[int]float64{0: 3, 30: 4}),
		}, []wantStep{{30, 2}, {45, 1}}},
		// Back after absences longer than the lookback: above the last
		// value is a rise, below a reset, equal nothing. The calls
		// counted at a return after ten missing steps were made anywhere
		// in them: late, as the feeder counts them (rebuildLateSteps),
		// they end no learned idle time and start none. Changed when the
		// rebuild's counts became late there: it learned the 19m45s
		// between the two returns as an idle time.
		"gappy": {[]*model.SampleStream{counterAt("gappy", "gw-a", map[int]float64{0: 2, 10: math.NaN(), 20: 4, 30: math.NaN(), 40: 1, 45: math.NaN(), 50: 1})}, []wantStep{{20, 2}, {40, 1}}},
		// Values that are not counts are skipped like absent samples.
		"broken": {[]*model.SampleStream{notACount}, []wantStep{{20, 1}}},
	}
	// The minutes of want whose calls are counted late.
	late := map[string][]int{"gappy": {20, 40}}
	var all model.Matrix
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		all = append(all, tests[name].series...)
	}
	all = append(all, counterAt("", "gw-a", map[int]float64{30: 1}), counterAt("", "gw-b", map[int]float64{40: 1}))

	f := &fakeRange{v: all}
	p, _ := New(Config{PreWarmShare: 0.25})
	now := t0.Add(time.Hour)
	rep, err := p.Rebuild(context.Background(), f, now, time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if f.query != RebuildQueryIn("openfaas-fn") || f.r.Step != time.Minute || !f.r.Start.Equal(t0) || !f.r.End.Equal(now) {
		t.Errorf("query %q over %+v, want the counter, each gateway instance once, over the hour at 1m", f.query, f.r)
	}
	functions, calls := 0, 0
	for name, tc := range tests {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		want, _ := New(Config{PreWarmShare: 0.25})
		for _, s := range tc.want {
			if slices.Contains(late[name], s.m) {
				want.ObserveLateCount(ref, atMinute(s.m).Time(), time.Minute, s.n)
			} else {
				want.ObserveCount(ref, atMinute(s.m).Time(), time.Minute, s.n)
			}
			calls += s.n
		}
		if len(tc.want) > 0 {
			functions++
		}
		if got, w := learned(p, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", name, got, w)
		}
	}
	if rep.Functions != functions || rep.Invocations != float64(calls) || !slices.Equal(rep.Skipped, []string{""}) {
		t.Errorf("report %+v, want %d functions, %d invocations, skipped [\"\"] once", rep, functions, calls)
	}
}

// learned is what a policy learned of a function, for comparing.
func learned(p *Policy, ref provider.Ref) string {
	h := p.fns[ref]
	if h == nil {
		return "nothing"
	}
	var its []time.Duration
	for _, v := range h.idleSeconds() {
		its = append(its, time.Duration(float64(v)*float64(time.Second)))
	}
	return fmt.Sprintf("last %s, idle times %v weighted %v", h.last.UTC().Format(time.DateTime), its, h.weights())
}
