package ours

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// timers is a trace of n functions invoked once every period minutes, all
// in the same minutes.
func timers(n, minutes, period int) *trace.Trace {
	tr := &trace.Trace{Dir: "synthetic", Minutes: minutes}
	for i := range n {
		pm := make([]uint32, minutes)
		for m := 0; m < minutes; m += period {
			pm[m] = 1
		}
		tr.Functions = append(tr.Functions, trace.Function{ID: "timer" + string(rune('a'+i)), PerMinute: pm})
	}
	return tr
}

// TestTimerIsPreWarmed replays a 30-minute timer for a day through the
// shipped controller assembly. While it learns (10 idle times, kept
// cold_start_worth after each call: 15 min, shorter than the period) each
// run is cold; once it has learned the period it must scale to zero between
// runs and pre-warm before each: far fewer cold starts than a fixed
// 10-minute keep-alive (which is cold on every run) at less idle time.
func TestTimerIsPreWarmed(t *testing.T) {
	tr := timers(1, 24*60, 30)
	rs, err := sim.Run(tr, sim.DefaultConfig(), []sim.Policy{Default(), peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ours, fixed := rs[0], rs[1]
	t.Logf("ours: %d cold of %d, %.0f idle s, %d scale-downs; fixed-10m: %d cold, %.0f idle s",
		ours.ColdStarts, ours.Invocations, ours.IdleReplicaSeconds, ours.Functions[0].ScaleDowns, fixed.ColdStarts, fixed.IdleReplicaSeconds)
	if fixed.ColdStarts != fixed.Invocations {
		t.Fatalf("fixed 10 min: %d cold of %d, want every run cold", fixed.ColdStarts, fixed.Invocations)
	}
	// The first run and the learning phase's are cold; after that, at most
	// a stray miss.
	if ours.ColdStarts > learningColdStarts+2 {
		t.Errorf("ours: %d cold of %d, want only the first and the learning phase's %d (and a stray miss)",
			ours.ColdStarts, ours.Invocations, learningColdStarts)
	}
	if ours.IdleReplicaSeconds > fixed.IdleReplicaSeconds {
		t.Errorf("ours idles %.0f s, fixed 10 min %.0f s: pre-warming should cost less", ours.IdleReplicaSeconds, fixed.IdleReplicaSeconds)
	}
	if f := ours.Functions[0]; f.ScaleDowns < 20 {
		t.Errorf("ours scaled down %d times in a day of 48 runs: it should park the timer between runs once learned", f.ScaleDowns)
	}
	if ours.Unserved != 0 {
		t.Errorf("%d requests never served", ours.Unserved)
	}
}

// learningColdStarts is how many runs of a 30-minute timer are cold before
// the keep-alive has learned it: the first, and one per idle time while
// learning, as the shipped price (15 min, kept after each call) is shorter
// than the period.
var learningColdStarts = uint64(1 + keepalive.Default().MinSamples)

// TestPreWarmShareIsFleetWide: eight timers due at the same moment share
// one controller, whose pre-warmer warms at most keep_alive.prewarm_share
// of the functions it knows at once. With the shipped 0.25 that is two of
// eight, so the others start cold on each run; with a share of 1 all are
// pre-warmed. One controller per function (the old wiring) never saw the
// share bind.
func TestPreWarmShareIsFleetWide(t *testing.T) {
	tr := timers(8, 24*60, 30)
	all := Default()
	all.Label = "share-1"
	all.Config.KeepAlive.PreWarmShare = 1
	rs, err := sim.Run(tr, sim.DefaultConfig(), []sim.Policy{Default(), all}, nil)
	if err != nil {
		t.Fatal(err)
	}
	shipped, full := rs[0], rs[1]
	t.Logf("share 0.25: %d cold of %d, %.0f idle s; share 1: %d cold, %.0f idle s",
		shipped.ColdStarts, shipped.Invocations, shipped.IdleReplicaSeconds, full.ColdStarts, full.IdleReplicaSeconds)
	if full.ColdStarts > 8*(learningColdStarts+2) {
		t.Fatalf("share 1: %d cold of %d, want about the learning phase's per function", full.ColdStarts, full.Invocations)
	}
	if shipped.ColdStarts < full.ColdStarts+8*10 {
		t.Errorf("share 0.25: %d cold, share 1: %d: the fleet-wide bound should leave most timers cold once learned",
			shipped.ColdStarts, full.ColdStarts)
	}
}

// TestGatewayScalesFromZero: a single request to a function at zero is
// served after one cold start, and the idler takes the function back to
// zero once the shipped learning keep-alive (3 h) is over.
func TestGatewayScalesFromZero(t *testing.T) {
	tr := timers(1, 4*60, 4*60)
	rs, err := sim.Run(tr, sim.DefaultConfig(), []sim.Policy{Default()}, nil)
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
	t.Logf("up %.0f s, %d up, %d down", f.ReplicaSeconds, f.ScaleUps, f.ScaleDowns)
	learn := config.Default().KeepAlive.ColdStartWorth.Seconds() // the ski-rental learning keep-alive
	if up := f.ReplicaSeconds; up < learn || up > learn+120 {
		t.Errorf("up %.0f s, want the %.0f s learning keep-alive (plus an idler cycle)", up, learn)
	}
}
