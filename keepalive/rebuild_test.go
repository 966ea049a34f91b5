package keepalive

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

type fakeRange struct {
	v     model.Value
	err   error
	query string
	r     v1.Range
}

func (f *fakeRange) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q == RebuildReplicasQuery(r.Step) || q == RebuildSeriesQuery() || strings.Contains(q, promql.MetricProcessStart) {
		return model.Matrix{}, nil, nil, nil // no replica history; series not counted: one part; no process metrics
	}
	f.query, f.r = q, r
	return f.v, nil, nil, f.err
}

// byQuery answers each query from its own table (or fails it).
type byQuery struct {
	answers map[string]model.Value
	fail    map[string]error
}

func (b byQuery) QueryRange(_ context.Context, q string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if err := b.fail[q]; err != nil {
		return nil, nil, nil, err
	}
	if v, ok := b.answers[q]; ok {
		return v, nil, nil, nil
	}
	return model.Matrix{}, nil, nil, nil
}

// replicaSeries is one function's answer to the replica query: the
// counts it fell to zero from, at the given minutes after t0.
func replicaSeries(name string, pts ...[2]float64) *model.SampleStream {
	ss := &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(name)}}
	for _, pt := range pts {
		at := model.TimeFromUnixNano(t0.Add(time.Duration(pt[0]) * time.Minute).UnixNano())
		ss.Values = append(ss.Values, model.SamplePair{Timestamp: at, Value: model.SampleValue(pt[1])})
	}
	return ss
}

// TestRebuildZeroedCount: after a restart, the count each function last fell
// to zero from is read from the replica history, so a pre-warm starts it
// again (as the idler's report would have set it); what the idler has
// reported since the start is never replaced; a failed replica query leaves
// the idle times rebuilt and pre-warms at one replica. (Which steps are
// falls is Prometheus' work: TestRebuildFromRealPrometheus.)
func TestRebuildZeroedCount(t *testing.T) {
	now := t0.Add(time.Hour)
	ref := func(n string) provider.Ref { return provider.Ref{Name: n, Namespace: "openfaas-fn"} }
	replicas := model.Matrix{
		replicaSeries("two.openfaas-fn", [2]float64{4, 2}),                    // fell from 2
		replicaSeries("last.openfaas-fn", [2]float64{5, 3}, [2]float64{2, 1}), // the last fall counts, whatever the order: from 3
		replicaSeries("back.openfaas-fn", [2]float64{2, 2}),                   // fell from 2 and runs again: 2, as the idler's report stays
		replicaSeries("known.openfaas-fn", [2]float64{2, 5}),                  // the idler already reported 1 since the start
		replicaSeries("empty.openfaas-fn"),
		replicaSeries(".bad", [2]float64{2, 2}),
	}
	p, _ := New(Config{PreWarmShare: 0.25})
	p.Zeroed(ref("known"), 1)
	rep, err := p.Rebuild(context.Background(), byQuery{answers: map[string]model.Value{
		RebuildReplicasQuery(time.Minute): replicas,
		RebuildQuery():                    model.Matrix{},
	}}, now, time.Hour, time.Minute, "openfaas-fn")
	if err != nil || rep.ZeroedErr != nil {
		t.Fatalf("rebuild: %v, %v", err, rep.ZeroedErr)
	}
	for name, want := range map[string]uint64{"two": 2, "last": 3, "back": 2, "known": 1, "empty": 1, "never": 1} {
		if got := p.preWarmReplicas(ref(name)); got != want {
			t.Errorf("%s: a pre-warm starts %d, want %d", name, got, want)
		}
	}
	if rep.Zeroed != 3 {
		t.Errorf("report says %d zeroed, want 3 (two, last, back; known was already reported)", rep.Zeroed)
	}

	q, _ := New(Config{PreWarmShare: 0.25})
	rep, err = q.Rebuild(context.Background(), byQuery{
		answers: map[string]model.Value{RebuildQuery(): model.Matrix{counterAt("two.openfaas-fn", "gw-a", map[int]float64{0: 4, 2: 5, 5: 6})}},
		fail:    map[string]error{RebuildReplicasQuery(time.Minute): errors.New("query timed out")},
	}, now, time.Hour, time.Minute, "openfaas-fn")
	if err != nil || rep.Functions != 1 {
		t.Fatalf("the idle times must be rebuilt whatever the replica history: %+v, %v", rep, err)
	}
	if rep.ZeroedErr == nil || !strings.Contains(rep.ZeroedErr.Error(), "query timed out") || q.preWarmReplicas(ref("two")) != 1 {
		t.Errorf("failed replica query: report %v, pre-warm %d; want the error and 1", rep.ZeroedErr, q.preWarmReplicas(ref("two")))
	}
}

// TestRebuildFromPrometheus: a 30-minute timer's counter, as Prometheus
// returns it for the last 12 hours at a 1-minute step, teaches the same
// periodic plan a controller that never restarted would have.
func TestRebuildFromPrometheus(t *testing.T) {
	now := t0.Add(12 * time.Hour)
	var timer, quiet []model.SamplePair
	v := 0.0
	for m := 0; m <= 720; m++ {
		if m > 0 && m%30 == 0 {
			v++
		}
		at := model.TimeFromUnixNano(t0.Add(time.Duration(m) * time.Minute).UnixNano())
		timer = append(timer, model.SamplePair{Timestamp: at, Value: model.SampleValue(v)})
		quiet = append(quiet, model.SamplePair{Timestamp: at, Value: 0})
	}
	f := &fakeRange{v: model.Matrix{
		{Metric: model.Metric{"function_name": "timer.openfaas-fn"}, Values: timer},
		{Metric: model.Metric{"function_name": "quiet"}, Values: quiet},
		{Metric: model.Metric{"function_name": ".bad"}, Values: timer},
	}}
	p, _ := New(Config{PreWarmShare: 0.25})
	rep, err := p.Rebuild(context.Background(), f, now, 12*time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if f.query != RebuildQueryIn("openfaas-fn") || f.r.Step != time.Minute || !f.r.Start.Equal(t0) {
		t.Errorf("query %q over %+v", f.query, f.r)
	}
	if rep.Functions != 1 || rep.Invocations != 24 || len(rep.Skipped) != 1 {
		t.Errorf("report %+v, want 1 function, 24 invocations, 1 skipped", rep)
	}
	plan, last := p.Plan(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}, 15*time.Minute, now)
	if plan.Code != CodePeriodic || last.IsZero() {
		t.Errorf("plan %s (%s), want periodic", plan.Code, plan.Reason)
	}
}

func TestRebuildErrors(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	tests := []struct {
		name           string
		q              *fakeRange
		lookback, step time.Duration
		want           string
	}{
		{"prometheus down", &fakeRange{err: errors.New("connection refused")}, time.Hour, time.Minute, "keepalive: rebuild from Prometheus: connection refused"},
		{"not a matrix", &fakeRange{v: model.Vector{}}, time.Hour, time.Minute, "keepalive: rebuild: Prometheus did not return a matrix"},
		{"bad step", &fakeRange{}, time.Minute, 0, "keepalive: rebuild lookback 1m0s and step 0s: want 0 < step ≤ lookback"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Rebuild(context.Background(), tc.q, t0, tc.lookback, tc.step, "openfaas-fn")
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
