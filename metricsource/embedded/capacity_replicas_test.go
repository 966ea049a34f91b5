package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCapacityIsThePeakOfTheSumOverGatewayReplicas: the package doc says
// series apart in any other label (an exposition merging several gateway
// replicas' /metrics, with their instance or pod) add up "as sum(...) by
// (function_name) in PromQL". The Prometheus source's capacity is the peak
// over the window of that sum (promql.CapacityParts: max_over_time of
// SumOverGateways(in-flight)). The embedded source added up each replica's
// own peak instead: two replicas that each held 10 requests of a function,
// at different times, read as a concurrency of 20 while the function never
// had more than 10 in flight, and the scaler sized it for twice its load.
// Found by a review helper.
func TestCapacityIsThePeakOfTheSumOverGatewayReplicas(t *testing.T) {
	clk := &peakClock{t: time.Unix(1_700_000_000, 0)}
	cfg := DefaultConfig()
	cfg.Interval, cfg.Clock = time.Second, clk
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.t
	for sec := 0; sec <= 20; sec++ {
		var a, b float64
		if sec == 12 || sec == 13 {
			a = 10 // replica a proxies the burst
		}
		if sec == 16 || sec == 17 {
			b = 10 // later, replica b does
		}
		clk.t = t0.Add(time.Duration(sec) * time.Second)
		src.Observe(clk.t, []Sample{
			{Metric: MetricInflight, FunctionName: "f", Instance: `pod="gateway-a"`, Value: a},
			{Metric: MetricInflight, FunctionName: "f", Instance: `pod="gateway-b"`, Value: b},
		})
	}
	clk.t = t0.Add(20500 * time.Millisecond)
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got[provider.Ref{Name: "f", Namespace: "openfaas-fn"}]; !ok || v != 10 {
		t.Fatalf("capacity over 10s = %v (present %v): the two replicas' in-flight sum peaked at 10 "+
			"(max_over_time of the sum, as the Prometheus source reads it); want 10", v, ok)
	}
}

// peakClock is a settable clock.
type peakClock struct{ t time.Time }

func (c *peakClock) Now() time.Time                         { return c.t }
func (c *peakClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }
