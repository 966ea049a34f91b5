package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// downAt59 keeps two warm replicas and scales to one 59 s in.
type downAt59 struct{}

func (downAt59) Name() string { return "down-at-59s" }
func (downAt59) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &downAt59Ctl{wake: start.Add(59 * time.Second)}
}

type downAt59Ctl struct{ wake time.Time }

func (c *downAt59Ctl) Start(time.Time) sim.Decision {
	return sim.Decision{Replicas: 2, Wake: c.wake}
}
func (c *downAt59Ctl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.wake}
}
func (c *downAt59Ctl) Wake(time.Time, sim.State) sim.Decision { return sim.Decision{Replicas: 1} }

// TestADrainingReplicaLeavesWithItsLastRequest: docs/sim.md, "The model":
// busy replicas "drain and leave when their requests finish".
//
// Hand-computed: concurrency 2, two warm replicas, three requests of 100 s
// in minute 0, 20 s apart (even arrivals, at p, p+20, p+40 with p < 20).
// Packed, replica A holds the first two, B the third. At 59 s the
// controller scales to one: neither is idle, so B (the partly filled one)
// drains. Busy replica-seconds, whatever p: A from p to p+120 and B from
// p+40 to p+140, 220 s. The engine once reaped a draining replica whenever
// the requests left fitted on fewer replicas (at p+100, A's first request
// ending), 40 s before B's request ended, its request repacked onto A:
// 200 s.
func TestADrainingReplicaLeavesWithItsLastRequest(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 2
	cfg.DefaultExec = 100 * time.Second
	cfg.Arrivals = trace.Even
	tr := &trace.Trace{Dir: "drain", Minutes: 3, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{3, 0, 0}}}}
	rs, err := sim.Run(tr, cfg, []sim.Policy{downAt59{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Invocations != 3 || r.Unserved != 0 || r.ColdStarts != 0 {
		t.Fatalf("%d invocations, %d unserved, %d cold; want 3, 0, 0", r.Invocations, r.Unserved, r.ColdStarts)
	}
	if busy := r.ReplicaSeconds - r.IdleReplicaSeconds; math.Abs(busy-220) > 1e-6 {
		t.Errorf("busy replica-seconds %.3f (replica %.3f − idle %.3f); want 220: the draining replica left before its request ended",
			busy, r.ReplicaSeconds, r.IdleReplicaSeconds)
	}
}
