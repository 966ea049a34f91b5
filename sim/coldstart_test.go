package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// oneOnDemand is a controller that keeps a function at zero until its first
// request, then asks for exactly one replica and never changes it (what
// KEDA's 0 → 1 activation, or a gateway's scale from zero, does before any
// ramp-up).
type oneOnDemand struct{}

func (oneOnDemand) Name() string { return "one-on-demand" }
func (oneOnDemand) NewController(sim.FunctionInfo, time.Time) sim.Controller {
	return oneOnDemandCtl{}
}

type oneOnDemandCtl struct{}

func (oneOnDemandCtl) Arrival(time.Time, sim.State) sim.Decision { return sim.Decision{Replicas: 1} }
func (oneOnDemandCtl) Wake(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep}
}

// oneOnDemandFleet is oneOnDemand as a fleet controller, replayed by the
// fleet engine that faas-autoscaler's own policy uses: the gateway asks for
// one replica of a function on each of its requests, and there are no
// passes.
type oneOnDemandFleet struct{}

func (oneOnDemandFleet) Name() string { return "one-on-demand-fleet" }
func (oneOnDemandFleet) NewFleet(_ []sim.FunctionInfo, start time.Time, _ sim.Platform) (sim.Fleet, error) {
	return oneOnDemandFleetCtl{never: start.Add(1000 * time.Hour)}, nil
}

type oneOnDemandFleetCtl struct{ never time.Time }

func (oneOnDemandFleetCtl) Arrival(int, time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: 1}
}
func (c oneOnDemandFleetCtl) Next() time.Time { return c.never }
func (oneOnDemandFleetCtl) Pass(time.Time)    {}

// warmThenTwo keeps one warm replica from the start and asks for a second
// at the second request.
type warmThenTwo struct{}

func (warmThenTwo) Name() string { return "warm-then-two" }
func (warmThenTwo) NewController(sim.FunctionInfo, time.Time) sim.Controller {
	return &warmThenTwoCtl{}
}

type warmThenTwoCtl struct{ n int }

func (*warmThenTwoCtl) Start(time.Time) sim.Decision { return sim.Decision{Replicas: 1} }
func (c *warmThenTwoCtl) Arrival(time.Time, sim.State) sim.Decision {
	c.n++
	if c.n == 2 {
		return sim.Decision{Replicas: 2}
	}
	return sim.Decision{Replicas: sim.Keep}
}
func (*warmThenTwoCtl) Wake(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep}
}

// TestAColdStartIsARequestServedByAReplicaReadyAfterItArrived checks the
// cold-start rule of docs/sim.md, "The model": a request is a cold start
// when the replica that serves it became ready after the request arrived;
// waiting behind busy warm replicas is a wait. Every case has concurrency 1
// and even arrivals (n a minute at phase p in [0, 60/n s), then every
// 60/n s), so the numbers are exact.
func TestAColdStartIsARequestServedByAReplicaReadyAfterItArrived(t *testing.T) {
	cases := []struct {
		name      string
		policy    sim.Policy
		perMinute uint32
		coldStart time.Duration
		exec      time.Duration
		cold      uint64
		waitMax   float64 // seconds
		why       string
	}{{
		// Three requests at p, p+20 and p+40 s, 1 s each, 50 s cold start.
		// The first asks for the one replica, ready at p+50 s, after all
		// three arrived; it serves them in turn at p+50, p+51 and p+52 s:
		// 3 cold, the first waiting longest, 50 s. Found by a review: the
		// engine counted only the request taken up at the instant of
		// readiness (1); the other two start on the first's completion.
		name: "one start, a queue served in turn", policy: oneOnDemand{}, perMinute: 3,
		coldStart: 50 * time.Second, exec: time.Second, cold: 3, waitMax: 50,
		why: "every request was served by the one replica, which became ready after all three arrived",
	}, {
		// The same replay through the fleet engine: the same rule.
		name: "one start, a queue served in turn, fleet engine", policy: oneOnDemandFleet{}, perMinute: 3,
		coldStart: 50 * time.Second, exec: time.Second, cold: 3, waitMax: 50,
		why: "the fleet replay shares the engine, so it counts as the per-function one does",
	}, {
		// One warm replica from the start; requests at p and p+30 s, 40 s
		// each, 50 s cold start. The first runs at once until p+40 s. The
		// second finds the replica busy, queues, and asks for a second
		// replica, ready at p+80 s; the first ends at p+40 s and the second
		// starts then, after a 10 s wait, while the new replica is still
		// starting. It waited only behind a busy warm replica: warm.
		name: "waiting behind a busy warm replica", policy: warmThenTwo{}, perMinute: 2,
		coldStart: 50 * time.Second, exec: 40 * time.Second, cold: 0, waitMax: 10,
		why: "the second request was served by the warm replica, ready before it arrived",
	}, {
		// Requests at p, p+20 and p+40 s, 30 s each, 5 s cold start. The
		// first asks for the replica, ready at p+5 s, and runs until
		// p+35 s: cold. The second arrives at p+20 s, after the replica
		// became ready, waits for it, starts at p+35 s (15 s wait); the
		// third arrives at p+40 s and starts at p+65 s (25 s wait). Both
		// waited behind a replica that was ready before they arrived:
		// warm.
		name: "replica ready before the request arrived", policy: oneOnDemand{}, perMinute: 3,
		coldStart: 5 * time.Second, exec: 30 * time.Second, cold: 1, waitMax: 25,
		why: "only the first request waited for the start; the others arrived after it",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := sim.DefaultConfig()
			cfg.Concurrency = 1
			cfg.ColdStart = c.coldStart
			cfg.DefaultExec = c.exec
			cfg.Arrivals = trace.Even
			tr := &trace.Trace{Dir: "cold", Minutes: 3, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{c.perMinute, 0, 0}}}}
			rs, err := sim.Run(tr, cfg, []sim.Policy{c.policy}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			if r.Invocations != uint64(c.perMinute) || r.Unserved != 0 {
				t.Fatalf("%d invocations, %d unserved; want %d served", r.Invocations, r.Unserved, c.perMinute)
			}
			if r.ColdStarts != c.cold {
				t.Errorf("cold starts = %d, want %d: %s", r.ColdStarts, c.cold, c.why)
			}
			// The histogram keeps the exact maximum; float seconds of the
			// arrival offsets leave nanoseconds.
			if math.Abs(r.WaitMax-c.waitMax) > 1e-6 {
				t.Errorf("max wait = %.9f s, want %g s", r.WaitMax, c.waitMax)
			}
		})
	}
}

// TestAColdStartAlwaysWaited: a request started at once on arrival is never
// cold, so no function of any peer's replay of the small trace has more
// cold starts than requests that waited.
func TestAColdStartAlwaysWaited(t *testing.T) {
	tr, err := trace.Load("testdata/small")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	for _, conc := range []int{1, 10} {
		cfg.Concurrency = conc
		rs, err := sim.Run(tr, cfg, allPeers(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			for _, f := range r.Functions {
				if waited := f.Waits.Count() - f.Waits.Zero; f.ColdStarts > waited {
					t.Errorf("concurrency %d, %s, %s: %d cold starts, only %d requests waited", conc, r.Policy, f.ID, f.ColdStarts, waited)
				}
			}
		}
	}
}
