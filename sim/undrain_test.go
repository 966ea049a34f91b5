package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// downThenUp keeps two warm replicas from the start, scales to one when
// the fourth request reaches the gateway (before it is routed) and back to
// two a second later: what an HPA scale-down followed by a scale-up, or
// OpenFaaS CE's resolve-to-min followed by a firing alert, does.
type downThenUp struct{}

func (downThenUp) Name() string { return "down-then-up" }
func (downThenUp) NewController(sim.FunctionInfo, time.Time) sim.Controller {
	return &downThenUpCtl{}
}

type downThenUpCtl struct{ n int }

func (c *downThenUpCtl) Start(time.Time) sim.Decision { return sim.Decision{Replicas: 2} }
func (c *downThenUpCtl) Arrival(now time.Time, _ sim.State) sim.Decision {
	c.n++
	if c.n == 4 {
		return sim.Decision{Replicas: 1, Wake: now.Add(time.Second)}
	}
	return sim.Decision{Replicas: sim.Keep}
}
func (c *downThenUpCtl) Wake(time.Time, sim.State) sim.Decision { return sim.Decision{Replicas: 2} }

// TestTakingBackADrainingReplicaServesTheQueue: docs/sim.md, "The model":
// "Requests that find no free slot wait in a FIFO queue", and "busy ones
// drain and leave when their requests finish". A queued request waits only
// while there is no free slot, so a scale-up that takes back a draining
// replica starts the queue at once.
//
// Hand-computed: concurrency 2, two warm replicas, four requests in minute
// 0 (even arrivals, 15 s apart), each running 1000 s (longer than the 3
// minute replay, so nothing completes). After three requests the replicas
// hold 2 + 1. At the fourth arrival the controller scales to 1: no replica
// is idle, so the least loaded busy replica drains with its one request,
// leaving 1 × 2 − 2 = 0 free slots, and the fourth request queues. One second later the controller scales back
// to 2: the engine takes the draining replica back (undrain), so there are
// 2 × 2 − 3 = 1 free slot, and the queued request starts then, after a 1 s
// wait, warm (no replica became ready while it waited).
//
// Without a dispatch at the undrain the queue is looked at again only on a
// completion or a replica becoming ready; here neither happens before the
// end, so the request was reported unserved and cold, after a 129.9 s wait.
func TestTakingBackADrainingReplicaServesTheQueue(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 2
	cfg.DefaultExec = 1000 * time.Second
	cfg.Arrivals = trace.Even
	tr := &trace.Trace{Dir: "undrain", Minutes: 3, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{4, 0, 0}}}}
	rs, err := sim.Run(tr, cfg, []sim.Policy{downThenUp{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Invocations != 4 {
		t.Fatalf("%d invocations, want 4", r.Invocations)
	}
	if r.Unserved != 0 || r.ColdStarts != 0 || r.WaitMax < 0.999 || r.WaitMax > 1.001 {
		t.Errorf("unserved %d, cold %d, max wait %.3f s; want 0, 0 and 1 s (the queued request starts when the drained replica is taken back)",
			r.Unserved, r.ColdStarts, r.WaitMax)
	}
}
