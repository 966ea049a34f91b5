package keepalive

import (
	"context"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// twoNamesFalls answers the replica history with one function under its two
// names, as Prometheus orders a range query's series (by their labels): the
// bare name's older fall, from 8, before the qualified name's newer one,
// from 1. Every other query is answered empty.
type twoNamesFalls struct{ older, newer time.Time }

func (h twoNamesFalls) QueryRange(_ context.Context, q string, r v1.Range, _ ...v1.Option) (model.Value, v1.Warnings, v1.Infos, error) {
	if q != RebuildReplicasQuery(r.Step) {
		return model.Matrix{}, nil, nil, nil
	}
	m := model.Matrix{}
	for _, s := range []struct {
		name string
		at   time.Time
		from float64
	}{{"fn", h.older, 8}, {"fn.openfaas-fn", h.newer, 1}} {
		if s.at.Before(r.Start) || s.at.After(r.End) {
			continue
		}
		m = append(m, &model.SampleStream{Metric: model.Metric{"function_name": model.LabelValue(s.name)},
			Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(s.at.UnixNano()), Value: model.SampleValue(s.from)}}})
	}
	return m, nil, nil, nil
}

// TestReplicaHistoryTakesTheNewestFallOfEitherName: a function's
// two names ("fn" and "fn.openfaas-fn": gateway_service_count is qualified
// only when the provider returns the namespace, docs reference openfaas.md)
// are read as two series, and tellZeroed keeps the first one read as "the
// newest fall, its last" (zeroedhistory.go). That holds across spans, read
// newest first, but within one read Prometheus lists the series by their
// labels: the bare name's fall from 8, five hours old, is kept, the fall
// from 1 an hour ago dropped, and each pre-warm starts 8 replicas where the
// idler, live, would have told 1.
//
// Seen failing before the fix: "pre-warm starts 8 replicas, want 1".
func TestReplicaHistoryTakesTheNewestFallOfEitherName(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	h := twoNamesFalls{older: now.Add(-5 * time.Hour), newer: now.Add(-time.Hour)}
	p := mustPolicy(t)
	if _, err := p.RefreshZeroed(t.Context(), h, now, 24*time.Hour, time.Minute, "openfaas-fn", nil); err != nil {
		t.Fatal(err)
	}
	if got := p.preWarmReplicas(fnRef("fn")); got != 1 {
		t.Errorf("pre-warm starts %d replicas, want 1: the function's last fall (an hour ago, from 1), not the older one from 8", got)
	}
}
