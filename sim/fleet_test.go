package sim_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/ours"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestFleetReplayOfSharedTrace replays three hours of the 10-function Azure
// sample (Shahrad et al., USENIX ATC 2020; CC BY 4.0) through the shipped
// controller assembly, twice: alone on one worker, and beside a per-function policy on three. A
// fleet replay is one global time order, so the results must not depend on
// the workers or on what else runs,
// every request must be served, and the assembly must scale to zero.
func TestFleetReplayOfSharedTrace(t *testing.T) {
	tr := sharedTrace(t, filepath.Join("..", "..", "shared", "traces", "azure2019-invitro-10fn"))
	cfg := sim.DefaultConfig()
	cfg.Minutes = 3 * 60
	run := func(workers int, others ...sim.Policy) sim.Result {
		cfg.Workers = workers
		rs, err := sim.Run(tr, cfg, append([]sim.Policy{ours.Default()}, others...), nil)
		if err != nil {
			t.Fatal(err)
		}
		rs[0].Wall, rs[0].IdleNormalised = 0, 0 // wall time varies; NaN ≠ NaN without a baseline
		return rs[0]
	}
	a, b := run(1), run(3, peers.FixedKeepAlive{KeepAlive: 10 * time.Minute})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("1 worker and 3 workers differ: %d vs %d cold starts, %.3f vs %.3f idle replica-s",
			a.ColdStarts, b.ColdStarts, a.IdleReplicaSeconds, b.IdleReplicaSeconds)
	}
	if a.Invocations == 0 || a.Unserved != 0 {
		t.Errorf("%d invocations, %d unserved", a.Invocations, a.Unserved)
	}
	var downs int
	for _, f := range a.Functions {
		downs += f.ScaleDowns
	}
	if downs == 0 {
		t.Error("no function was ever scaled down")
	}
	t.Logf("%d invocations, %d cold, %.0f idle replica-s, %d scale-downs", a.Invocations, a.ColdStarts, a.IdleReplicaSeconds, downs)
}

// TestReplicasIsStatesDesiredAndReady: the listing's and the scrape's
// narrow reads of a replay (Replicas, Gateway) are what its State says,
// through starts, scale-ups and scale-downs.
func TestReplicasIsStatesDesiredAndReady(t *testing.T) {
	tr := &trace.Trace{Dir: "x", Minutes: 4, Functions: []trace.Function{
		{ID: "f", PerMinute: []uint32{30, 0, 60, 5}}, {ID: "g", PerMinute: []uint32{0, 90, 0, 1}}}}
	cfg := sim.DefaultConfig()
	cfg.Workers = 1
	p := &replicasProbe{t: t}
	if _, err := sim.Run(tr, cfg, []sim.Policy{p}, nil); err != nil {
		t.Fatal(err)
	}
	if p.checks < 100 {
		t.Fatalf("only %d checks", p.checks)
	}
}

// replicasProbe is a fleet policy that scales every function up and down
// every few seconds and checks Replicas against State at every step.
type replicasProbe struct {
	t      *testing.T
	plat   sim.Platform
	n      int
	now    time.Time
	checks int
}

func (p *replicasProbe) Name() string { return "probe" }

func (p *replicasProbe) NewFleet(fns []sim.FunctionInfo, start time.Time, plat sim.Platform) (sim.Fleet, error) {
	p.plat, p.n, p.now = plat, len(fns), start
	return p, nil
}

func (p *replicasProbe) Arrival(int, time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep}
}

func (p *replicasProbe) Next() time.Time { return p.now.Add(700 * time.Millisecond) }

func (p *replicasProbe) Pass(now time.Time) {
	p.now = now
	for i := range p.n {
		s := p.plat.State(i)
		if d, r := p.plat.Replicas(i); d != s.Desired || r != s.Ready {
			p.t.Fatalf("function %d at %s: Replicas %d, %d; State says desired %d, ready %d", i, now, d, r, s.Desired, s.Ready)
		}
		want := sim.GatewayCounts{Arrivals: s.Arrivals, Started: s.Started, Completed: s.Completed,
			InGateway: s.Inflight + s.Queued, CompletedSeconds: s.CompletedSeconds}
		if g := p.plat.Gateway(i); g != want {
			p.t.Fatalf("function %d at %s: Gateway %+v; State says %+v", i, now, g, want)
		}
		p.checks++
		p.plat.Scale(i, int(now.UnixMilli()/700)%4)
	}
}
