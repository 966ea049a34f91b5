package ours

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/synth"
)

// TestSkippingIdleFollowUpsChangesNothing: two hours of the bursty
// synthetic trace (its functions scale up every few minutes, so follow-ups
// run), scraped every second, replayed with FollowUp every second, as
// Loop.Run calls it, and with the seconds skipped while no function awaits
// one: every figure is the same. Seen failing with FollowUp never run.
func TestSkippingIdleFollowUpsChangesNothing(t *testing.T) {
	tr, err := synth.Open("synth:bursty@1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := sim.DefaultConfig()
	cfg.Minutes = 120
	// Scraped every second, the follow-ups between two 5 s passes read new
	// samples and act (at a 5 s scrape, aligned with the passes, they read
	// what the pass read and change nothing).
	skip := Default()
	skip.Scrape = time.Second
	every := skip
	every.Label, every.everySecond = "every-second", true
	rs, err := sim.Run(tr, cfg, []sim.Policy{every, skip}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].ScaleEvents == 0 {
		t.Fatal("no scale-up in two hours: nothing to follow up")
	}
	want, got := rs[0], rs[1]
	if len(want.Functions) != len(got.Functions) {
		t.Fatalf("%d functions against %d", len(want.Functions), len(got.Functions))
	}
	// Replica-seconds are sums over the replay's steps, and skipping steps
	// sums them in fewer pieces: equal to rounding, not to the last bit.
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a)) }
	var diff int
	for i := range want.Functions {
		w, g := want.Functions[i], got.Functions[i]
		if !near(w.IdleReplicaSeconds, g.IdleReplicaSeconds) || !near(w.ReplicaSeconds, g.ReplicaSeconds) {
			diff++
			continue
		}
		w.IdleReplicaSeconds, w.ReplicaSeconds = g.IdleReplicaSeconds, g.ReplicaSeconds
		if !reflect.DeepEqual(w, g) {
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("skipping changed the replay of %d functions: cold starts %d → %d, idle %.1f → %.1f replica-s, scale events %d → %d",
			diff, want.ColdStarts, got.ColdStarts, want.IdleReplicaSeconds, got.IdleReplicaSeconds, want.ScaleEvents, got.ScaleEvents)
	}
}
