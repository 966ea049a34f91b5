package keepalive

import (
	"context"
	"errors"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

type fakeRange struct {
	v     model.Value
	err   error
	query string
	r     v1.Range
}

func (f *fakeRange) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	f.query, f.r = q, r
	return f.v, nil, nil, f.err
}

// TestRebuildFromPrometheus: a 30-minute timer's history, as Prometheus
// returns it for the last 12 hours at a 1-minute step, teaches the same
// periodic plan a controller that never restarted would have.
func TestRebuildFromPrometheus(t *testing.T) {
	now := t0.Add(12 * time.Hour)
	var timer, quiet []model.SamplePair
	for m := 1; m <= 720; m++ {
		v := 0.0
		if m%30 == 0 {
			v = 1.02 // increase() extrapolates a little
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
	p, _ := New(Config{})
	rep, err := p.Rebuild(context.Background(), f, now, 12*time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if f.query != `sum by (function_name) (increase(gateway_function_invocation_started[1m]))` || f.r.Step != time.Minute || !f.r.Start.Equal(t0) {
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
	p, _ := New(Config{})
	tests := []struct {
		name           string
		q              *fakeRange
		lookback, step time.Duration
		want           string
	}{
		{"prometheus down", &fakeRange{err: errors.New("connection refused")}, time.Hour, time.Minute, "keepalive: rebuild from Prometheus: connection refused"},
		{"not a matrix", &fakeRange{v: model.Vector{}}, time.Hour, time.Minute, "keepalive: rebuild: Prometheus did not return a matrix"},
		{"bad step", &fakeRange{}, time.Minute, time.Hour, "keepalive: rebuild lookback 1m0s and step 1h0m0s: want 0 < step ≤ lookback"},
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
