package ours

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

func every(minutes, period int) *trace.Trace {
	pm := make([]uint32, minutes)
	for m := 0; m < minutes; m += period {
		pm[m] = 1
	}
	return &trace.Trace{Dir: "synthetic", Minutes: minutes, Functions: []trace.Function{{ID: "timer", PerMinute: pm}}}
}

// TestTimerIsPreWarmed replays a 30-minute timer for 12 hours through the
// controller's own scaler, idler and adaptive keep-alive. Once it has
// learned the period it must scale to zero between runs and pre-warm before
// each: far fewer cold starts than a fixed 10-minute keep-alive (which is
// cold on every run) at far less idle time than keeping it warm.
func TestTimerIsPreWarmed(t *testing.T) {
	tr := every(12*60, 30)
	cfg := sim.DefaultConfig()
	p := Default()
	p.KeepAlive.LearningKeepAlive = time.Minute // from keepalive.Default(): a zero share would mean no pre-warm
	rs, err := sim.Run(tr, cfg, []sim.Policy{p, peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ours, fixed := rs[0], rs[1]
	if fixed.ColdStarts != fixed.Invocations {
		t.Fatalf("fixed 10 min: %d cold of %d, want every run cold", fixed.ColdStarts, fixed.Invocations)
	}
	// Learning takes MinSamples idle times; after that, at most a stray miss.
	if ours.ColdStarts > uint64(keepalive.Default().MinSamples)+3 {
		t.Errorf("ours: %d cold of %d, want only the learning ones", ours.ColdStarts, ours.Invocations)
	}
	if ours.IdleReplicaSeconds > fixed.IdleReplicaSeconds {
		t.Errorf("ours idles %.0f s, fixed 10 min %.0f s: pre-warming should cost less", ours.IdleReplicaSeconds, fixed.IdleReplicaSeconds)
	}
	if ours.Unserved != 0 {
		t.Errorf("%d requests never served", ours.Unserved)
	}
}

// TestGatewayScalesFromZero: a single request to a function at zero is
// served after one cold start, and the idler takes the function back to zero.
func TestGatewayScalesFromZero(t *testing.T) {
	tr := every(60, 60)
	p := Default()
	p.KeepAlive.LearningKeepAlive = -1 // the 15 min default, not 3 h
	rs, err := sim.Run(tr, sim.DefaultConfig(), []sim.Policy{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	f := r.Functions[0]
	if r.Invocations != 1 || r.ColdStarts != 1 || r.WaitMax < 2 || r.WaitMax > 2.1 {
		t.Errorf("%d invocations, %d cold, max wait %.2fs; want 1 cold start waiting the 2 s start", r.Invocations, r.ColdStarts, r.WaitMax)
	}
	if f.ScaleUps != 1 || f.ScaleDowns != 1 {
		t.Errorf("%d scale-ups and %d scale-downs, want 1 and 1 (woken, then idled)", f.ScaleUps, f.ScaleDowns)
	}
}
