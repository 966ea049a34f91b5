package ours

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// statePlatform is a Platform whose states a test sets.
type statePlatform struct{ states []sim.State }

func (p *statePlatform) State(fn int) sim.State { return p.states[fn] }
func (p *statePlatform) Scale(int, int)         {}
func (p *statePlatform) Replicas(fn int) (int, int) {
	return p.states[fn].Desired, p.states[fn].Ready
}

// TestTheScrapeCountsInvocationsAsTheGatewayDoes: the gateway counts
// gateway_function_invocation_total when a request completes (its "completed"
// event, with the upstream status), gateway_function_invocation_started when
// it proxies it. Seen failing with the total fed from arrivals: 5, not 2.
func TestTheScrapeCountsInvocationsAsTheGatewayDoes(t *testing.T) {
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	plat := &statePlatform{states: []sim.State{
		{Arrivals: 5, Started: 4, Inflight: 2, Queued: 1, Completed: 2, CompletedSeconds: 3},
		{}, // never invoked: no series
	}}
	fl, err := Default().NewFleet([]sim.FunctionInfo{{Index: 0}, {Index: 1}}, start, plat)
	if err != nil {
		t.Fatal(err)
	}
	f := fl.(*fleet)
	f.scrape(start)
	got := map[string]float64{}
	for _, s := range f.samples {
		if s.FunctionName != f.names[0] {
			t.Errorf("a series for %s, which was never invoked", s.FunctionName)
		}
		got[s.Metric] = s.Value
	}
	want := map[string]float64{embedded.MetricTotal: 2, embedded.MetricStarted: 4, embedded.MetricInflight: 3,
		embedded.MetricSecondsSum: 3, embedded.MetricSecondsCount: 2}
	for m, v := range want {
		if got[m] != v {
			t.Errorf("%s = %v, want %v", m, got[m], v)
		}
	}
}
