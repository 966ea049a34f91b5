package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// threeOneTwo keeps three warm replicas, scales to one 59 s in and back to
// two 119 s in.
type threeOneTwo struct{}

func (threeOneTwo) Name() string { return "three-one-two" }
func (threeOneTwo) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &threeOneTwoCtl{start: start, next: start.Add(59 * time.Second)}
}

type threeOneTwoCtl struct {
	start, next time.Time
	woken       int
}

func (c *threeOneTwoCtl) Start(time.Time) sim.Decision {
	return sim.Decision{Replicas: 3, Wake: c.next}
}
func (c *threeOneTwoCtl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.next}
}
func (c *threeOneTwoCtl) Wake(time.Time, sim.State) sim.Decision {
	c.woken++
	if c.woken == 1 {
		c.next = c.start.Add(119 * time.Second)
		return sim.Decision{Replicas: 1, Wake: c.next}
	}
	c.next = time.Time{}
	return sim.Decision{Replicas: 2}
}

// TestReview52QTakeBackServesTheQueueFromADrainingReplicaWithRoom:
// docs/sim.md, "The model": "A scale-up that takes back draining replicas
// serves the queue at once". Concurrency 2, three warm replicas, five
// 1000 s requests in minute 0 (packed: two full replicas and one holding
// one). At 59 s the scale to one drains the partly filled replica (one
// request, one free slot) and then a full one (drain.go: "the least loaded
// first"). Minute 1's request finds the one serving replica full and
// queues. At 119 s the scale to two takes one draining replica back: undrain
// takes "the replicas drained last", the full one, which frees no slot,
// while the one with a free slot stays draining beside the queue. The
// request waits until the trace ends (unserved), though a replica taken
// back had room for it: want it started at 119 s (a wait under 60 s).
func TestReview52QTakeBackServesTheQueueFromADrainingReplicaWithRoom(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 2
	cfg.DefaultExec = 1000 * time.Second
	cfg.Arrivals = trace.Even
	tr := &trace.Trace{Dir: "takeback", Minutes: 3, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{5, 1, 0}}}}
	rs, err := sim.Run(tr, cfg, []sim.Policy{threeOneTwo{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Invocations != 6 || r.ColdStarts > 1 {
		t.Fatalf("%d invocations, %d cold; want 6 and no cold start but a waiting one", r.Invocations, r.ColdStarts)
	}
	if r.Unserved != 0 || r.WaitMax > 60 {
		t.Errorf("%d unserved, max wait %.1f s; want the request queued in minute 1 started at 119 s on the draining replica taken back with a free slot",
			r.Unserved, r.WaitMax)
	}
}
