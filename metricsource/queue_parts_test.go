package metricsource_test

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// partedBase is a base source that says which part a capacity reading came
// from (metricsource.PartedLoad), as metricsource/prometheus.Source does.
type partedBase struct{ fakeBase }

func (p *partedBase) LoadParts(_ context.Context, q metricsource.LoadQuery, _ []provider.Ref) (metricsource.Values, metricsource.Parts, error) {
	if q.Type != metricsource.TypeCapacity {
		return metricsource.Values{fnA: 7}, nil, nil
	}
	return metricsource.Values{fnA: 7}, metricsource.Parts{fnA: metricsource.PartArrivals}, nil
}

// TestWithQueueKeepsParts: WithQueue takes everything but the queue load
// from base, and that includes a capacity reading's part (PartedLoad): the
// scaler turns it into the decision reason ("60s peak, arrivals × mean
// duration") and the explain API's stable_part/burst_part. With --nats-url
// the queue wraps the Prometheus source (cmd/faas-autoscaler/wire_nats.go),
// so a wrapper that hid PartedLoad would make every capacity function's part
// unknown.
//
// Want: the capacity reading of fnA (7) with the base's part, arrivals; and
// the queue type still from the queue (1), with no parts.
func TestWithQueueKeepsParts(t *testing.T) {
	src := metricsource.WithQueue(&partedBase{}, &fakeQueue{v: metricsource.Values{fnA: 1}}, 0, time.Now)
	q := metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute}
	vals, parts, err := metricsource.LoadParts(context.Background(), src, q, nil)
	if err != nil || vals[fnA] != 7 {
		t.Fatalf("capacity through WithQueue = %v, %v; want fnA 7 from the base", vals, err)
	}
	if got := parts.Of(fnA, vals); got != metricsource.PartArrivals {
		t.Errorf("capacity part through WithQueue = %q (parts %v), want %q: the base says it, the wrapper drops it",
			got, parts, metricsource.PartArrivals)
	}
	q.Type = metricsource.TypeQueue
	vals, parts, err = metricsource.LoadParts(context.Background(), src, q, []provider.Ref{fnA})
	if err != nil || vals[fnA] != 1 || parts != nil {
		t.Errorf("queue type through WithQueue's LoadParts = %v, parts %v, %v; want fnA 1 from the queue, no parts", vals, parts, err)
	}
}
