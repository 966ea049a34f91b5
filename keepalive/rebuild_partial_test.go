package keepalive

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// warned answers every query from answers with the given warnings.
type warned struct {
	answers  map[string]model.Value
	warnings v1.Warnings
}

func (w warned) QueryRange(_ context.Context, q string, _ v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if v, ok := w.answers[q]; ok {
		return v, w.warnings, nil, nil
	}
	return model.Matrix{}, w.warnings, nil, nil
}

// TestRebuildRefusesAPartialHistory: a Thanos Querier with partial_response
// answers the counter history from the stores it reached and warns of the
// others. A store holding part of the lookback missing merges two idle
// times into one longer one, and the rebuild taught that as learned: the
// rebuild now fails instead (the controller then learns from now on), as
// the metrics source refuses such answers. PromQL's annotations ("PromQL
// info: metric might not be a counter", on every query of the started
// counter on Prometheus 2.x) change nothing.
//
// Seen failing before the check: "a partial answer rebuilt {Functions:1
// Invocations:3 …}, <nil>; want an error naming the warning".
func TestRebuildRefusesAPartialHistory(t *testing.T) {
	now := t0.Add(time.Hour)
	at := func(m int) model.Time {
		return model.TimeFromUnixNano(t0.Add(time.Duration(m) * time.Minute).UnixNano())
	}
	// A counter present from the range's first step: a baseline of 5, then
	// one call at minute 10 and two at minute 40 (the store with minutes
	// 20–30 unreachable would look the same).
	counter := model.Matrix{&model.SampleStream{
		Metric: model.Metric{"function_name": "f.openfaas-fn"},
		Values: []model.SamplePair{{Timestamp: at(0), Value: 5}, {Timestamp: at(10), Value: 6}, {Timestamp: at(40), Value: 8}},
	}}
	answers := map[string]model.Value{RebuildQuery(): counter}
	for _, tc := range []struct {
		name     string
		warnings v1.Warnings
		partial  bool
	}{
		{"thanos store down", v1.Warnings{`receive series from Addr: thanos-store:10901 LabelSets: {replica="a"}: rpc error: code = Unavailable`}, true},
		{"a note beside it", v1.Warnings{`PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gateway_function_invocation_started" (1:1)`, `No StoreAPIs matched for this query`}, true},
		{"annotations only", v1.Warnings{`PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gateway_function_invocation_started" (1:1)`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := New(Config{PreWarmShare: 0.25})
			rep, err := p.Rebuild(context.Background(), warned{answers: answers, warnings: tc.warnings}, now, time.Hour, time.Minute, "openfaas-fn")
			if !tc.partial {
				if err != nil || rep.Functions != 1 || rep.Invocations != 3 {
					t.Fatalf("annotations only: rebuilt %+v, %v; want f's 3 calls learned", rep, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.warnings[len(tc.warnings)-1]) {
				t.Fatalf("a partial answer rebuilt %+v, %v; want an error naming the warning", rep, err)
			}
			if !errors.Is(err, ErrPartialHistory) {
				t.Errorf("error %v: want ErrPartialHistory", err)
			}
			if e, ok := p.Explain(provider.Ref{Name: "f", Namespace: "openfaas-fn"}, time.Minute, now); ok && e.IdleTimes != 0 {
				t.Errorf("a refused rebuild taught f %d idle times, want none", e.IdleTimes)
			}
		})
	}
}
