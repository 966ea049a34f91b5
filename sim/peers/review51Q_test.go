package peers

import (
	"math"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestReview51QKEDAOneRequestThroughTheEngine (pin): KEDA end to end on
// the engine, which no test did (TestKEDA drives the controller alone).
// reference/peers.md §3: pollingInterval 30 s, activation when the metric
// is above 0, cooldownPeriod 300 s after the last active poll for 1 → 0; a
// request at zero waits for the poll (no HTTP add-on).
//
// Hand-computed: one request in minute 0 at a (the engine's own draw,
// repeated here), concurrency 10, 2 s cold start, 1 s execution, 20-minute
// trace. Polls at 30 s, 60 s, …: the first poll at or after a, P, sees
// it and activates (0 → 1); the replica is ready at P+2, runs the request
// to P+3, and every later poll is inactive, so the cooldown takes it to
// zero at P+300 (the HPA in between keeps its min 1). Cold starts 1, wait
// P+2−a, replica-seconds 300 (2 starting, 298 ready), idle 297.
func TestReview51QKEDAOneRequestThroughTheEngine(t *testing.T) {
	cfg := sim.DefaultConfig()
	pm := make([]uint32, 20)
	pm[0] = 1
	tr := &trace.Trace{Dir: "keda", Minutes: 20, Functions: []trace.Function{{ID: "f", PerMinute: pm}}}
	a := cfg.Arrivals.Minute(trace.NewRNG(cfg.Seed, 0), 1, nil)[0]
	p := math.Ceil(a/30) * 30
	rs, err := sim.Run(tr, cfg, []sim.Policy{DefaultKEDA()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	f := r.Functions[0]
	if f.Invocations != 1 || f.ColdStarts != 1 || f.ScaleUps != 1 || f.ScaleDowns != 1 {
		t.Fatalf("%d invocations, %d cold, %d up, %d down; want 1, 1, 1, 1", f.Invocations, f.ColdStarts, f.ScaleUps, f.ScaleDowns)
	}
	const eps = 1e-6
	if w := p + 2 - a; math.Abs(r.WaitMax-w) > eps {
		t.Errorf("wait %.6f s, want %.6f (request at %.3f s, poll at %.0f s, 2 s start)", r.WaitMax, w, a, p)
	}
	if math.Abs(f.ReplicaSeconds-300) > eps || math.Abs(f.IdleReplicaSeconds-297) > eps {
		t.Errorf("replica-seconds %.6f, idle %.6f; want 300 and 297 (zero at the poll 300 s after the last active one)", f.ReplicaSeconds, f.IdleReplicaSeconds)
	}
}
