package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// zeroWhileBusy keeps one warm replica from the start, scales the function
// to zero 20 s in (its one replica is busy with the first request, so it
// drains), and back to one replica 50 s in.
type zeroWhileBusy struct{}

func (zeroWhileBusy) Name() string { return "zero-while-busy" }
func (zeroWhileBusy) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &zeroWhileBusyCtl{start: start}
}

type zeroWhileBusyCtl struct {
	start time.Time
	woken int
	next  time.Time // the wake-up asked for (each Decision replaces it)
}

func (c *zeroWhileBusyCtl) Start(now time.Time) sim.Decision {
	c.next = now.Add(20 * time.Second)
	return sim.Decision{Replicas: 1, Wake: c.next}
}
func (c *zeroWhileBusyCtl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.next}
}
func (c *zeroWhileBusyCtl) Wake(now time.Time, _ sim.State) sim.Decision {
	c.woken++
	if c.woken == 1 {
		c.next = c.start.Add(50 * time.Second)
		return sim.Decision{Replicas: 0, Wake: c.next}
	}
	c.next = time.Time{}
	return sim.Decision{Replicas: 1}
}

// TestReview52ARequestHeldForAScaleFromZeroIsCold: docs/sim.md, "The
// model": "requests the gateway held for a scale from zero are cold". The
// engine's draining replicas are pods being deleted (the gateway cannot
// route to them: replay.available is "ready and not being removed", and
// sim/ours reports them as not available, as faas-netes does for pods with
// a deletionTimestamp, which Kubernetes never takes back: a scale-up
// creates a new pod).
//
// Concurrency 2, one warm replica, two requests of 1000 s at 0-30 s and
// 30-60 s (even arrivals). At 20 s the controller scales to zero while the
// first request runs: the replica drains, desired 0, nothing available.
// The second request arrives and the gateway holds it for a scale from
// zero. At 50 s the controller scales to one: the engine takes the
// draining replica back and starts the held request on it, counted warm
// (0 cold starts) after a wait of up to 20 s, though it waited for a scale
// from zero exactly as a cold request does (and on Kubernetes would be
// served by the new pod, after its cold start).
func TestReview52ARequestHeldForAScaleFromZeroIsCold(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 2
	cfg.DefaultExec = 1000 * time.Second
	cfg.Arrivals = trace.Even
	tr := &trace.Trace{Dir: "held", Minutes: 2, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{2, 0}}}}
	rs, err := sim.Run(tr, cfg, []sim.Policy{zeroWhileBusy{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Invocations != 2 || r.Unserved != 0 {
		t.Fatalf("%d invocations, %d unserved; want 2 served", r.Invocations, r.Unserved)
	}
	if r.WaitMax < 1 {
		t.Fatalf("max wait %.3f s: the second request was not held (the scenario did not happen)", r.WaitMax)
	}
	if r.ColdStarts != 1 {
		t.Errorf("%d cold starts, want 1: the second request was held by the gateway for a scale from zero (desired 0, no available replica) for %.1f s, and is counted warm",
			r.ColdStarts, r.WaitMax)
	}
}
