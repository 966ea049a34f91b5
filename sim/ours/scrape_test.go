package ours

import (
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// statePlatform is a Platform whose states a test sets.
type statePlatform struct{ states []sim.State }

func (p *statePlatform) State(fn int) sim.State { return p.states[fn] }
func (p *statePlatform) Scale(int, int)         {}
func (p *statePlatform) Gateway(fn int) sim.GatewayCounts {
	s := p.states[fn]
	return sim.GatewayCounts{Arrivals: s.Arrivals, Started: s.Started, Completed: s.Completed,
		InGateway: s.Inflight + s.Queued, CompletedSeconds: s.CompletedSeconds}
}
func (p *statePlatform) Replicas(fn int) (int, int) {
	return p.states[fn].Desired, p.states[fn].Ready
}
func (p *statePlatform) AllReplicas() []sim.ReplicaCounts {
	out := make([]sim.ReplicaCounts, len(p.states))
	for i := range out {
		out[i].Desired, out[i].Ready = p.Replicas(i)
	}
	return out
}
func (p *statePlatform) AllGateways() []sim.GatewayCounts {
	out := make([]sim.GatewayCounts, len(p.states))
	for i := range out {
		out[i] = p.Gateway(i)
	}
	return out
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

// TestAListingShowsTheReplaysCounts: each listing reads every function's
// counts from the replay, whatever a consumer wrote into the last one (the
// idler writes the count it set), with the function's ref and labels.
// Seen failing with the counts filled only when the listing array is made.
func TestAListingShowsTheReplaysCounts(t *testing.T) {
	plat := &statePlatform{states: []sim.State{{Desired: 2, Ready: 1}, {}}}
	fns := []provider.Function{
		{Ref: provider.Ref{Name: "a", Namespace: "fn"}, Labels: map[string]string{"k": "v"}},
		{Ref: provider.Ref{Name: "b", Namespace: "fn"}},
	}
	p := newSimProvider("fn", plat, fns)
	first, _ := p.Functions(t.Context(), "fn")
	first[0].Replicas, first[1].Replicas = 0, 7
	plat.states[1] = sim.State{Desired: 3, Ready: 3}
	got, _ := p.Functions(t.Context(), "fn")
	if got[0].Replicas != 2 || got[0].AvailableReplicas != 1 || got[1].Replicas != 3 || got[1].AvailableReplicas != 3 {
		t.Errorf("counts %d/%d and %d/%d, want 2/1 and 3/3", got[0].Replicas, got[0].AvailableReplicas,
			got[1].Replicas, got[1].AvailableReplicas)
	}
	if got[0].Ref != fns[0].Ref || got[0].Labels["k"] != "v" || got[1].Ref != fns[1].Ref {
		t.Errorf("listing %+v, want the functions' refs and labels", got)
	}
}

// TestThePageKeepsEachFunctionsSeries: functions invoked for the first time
// in any order, scrape after scrape, the page is what the gateway shows:
// every invoked function's five series in the functions' order, each with
// that function's values. Seen failing with a first invocation's series
// appended at the end of the page rather than at its function's place.
func TestThePageKeepsEachFunctionsSeries(t *testing.T) {
	start := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	const n = 5
	plat := &statePlatform{states: make([]sim.State, n)}
	infos := make([]sim.FunctionInfo, n)
	for i := range infos {
		infos[i].Index = i
	}
	fl, err := Default().NewFleet(infos, start, plat)
	if err != nil {
		t.Fatal(err)
	}
	f := fl.(*fleet)
	for step, first := range []int{3, -1, 0, 4, -1, 1} {
		if first >= 0 {
			plat.states[first].Arrivals = 1
		}
		var want []embedded.Sample
		for i := range plat.states {
			s := &plat.states[i]
			if s.Arrivals == 0 {
				continue
			}
			s.Completed, s.Started, s.Inflight, s.Queued = uint64(10*step+i), uint64(10*step+i+1), i, step
			s.CompletedSeconds = float64(step) + float64(i)/10
			name := f.names[i]
			want = append(want,
				embedded.Sample{Metric: embedded.MetricTotal, FunctionName: name, Code: "200", Value: float64(s.Completed)},
				embedded.Sample{Metric: embedded.MetricStarted, FunctionName: name, Value: float64(s.Started)},
				embedded.Sample{Metric: embedded.MetricInflight, FunctionName: name, Value: float64(s.Inflight + s.Queued)},
				embedded.Sample{Metric: embedded.MetricSecondsSum, FunctionName: name, Code: "200", Value: s.CompletedSeconds},
				embedded.Sample{Metric: embedded.MetricSecondsCount, FunctionName: name, Code: "200", Value: float64(s.Completed)})
		}
		f.scrape(start.Add(time.Duration(step+1) * 5 * time.Second))
		if got := f.samples[:5*len(f.exposed)]; !slices.Equal(got, want) {
			t.Fatalf("scrape %d: page\n%v\nwant\n%v", step, got, want)
		}
	}
}
