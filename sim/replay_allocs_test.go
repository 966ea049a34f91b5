package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/peers"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestReplayAllocatesNothingPerRequest: a replay handles millions of
// requests (2M in the Azure day), each arriving, queueing or starting, and
// ending; an allocation on that path is the replay's allocation rate (the
// running requests' heap boxed two per request through container/heap,
// ~10 % of the fixed-10m baseline's time). A run's allocations must not
// grow with its requests: doubling the minutes of a steady function adds
// only the few a run's longer slices take, not one per request.
func TestReplayAllocatesNothingPerRequest(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Arrivals = trace.Burst // a queue and a backlog at every minute's start
	cfg.Workers = 1
	policy := []sim.Policy{peers.FixedKeepAlive{KeepAlive: 10 * time.Minute}}
	allocs := func(minutes int) (float64, uint64) {
		perMinute := make([]uint32, minutes)
		for i := range perMinute {
			perMinute[i] = 1000
		}
		tr := oneFunction(perMinute...)
		var inv uint64
		a := testing.AllocsPerRun(1, func() {
			rs, err := sim.Run(tr, cfg, policy, nil)
			if err != nil {
				t.Fatal(err)
			}
			inv = rs[0].Invocations
		})
		return a, inv
	}
	short, _ := allocs(60)
	long, inv := allocs(120)
	t.Logf("%v allocations for 60 minutes, %v for 120 (%d requests)", short, long, inv)
	if extra := long - short; extra > 50 {
		t.Errorf("60 more minutes (%d more requests) take %v more allocations; want a few at most", inv/2, extra)
	}
}
