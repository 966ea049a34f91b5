package sim_test

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// TestReview52KHeldRequestStartsOnTheNewReplicaWhileTheDrainingOneIsBusy:
// review 52A's scenario (zeroWhileBusy: one warm replica, scaled to zero
// 20 s in while its first 1000 s request runs, back to one 50 s in) with
// concurrency 1, the OpenFaaS default for many functions (max_inflight=1).
// Since f40dad1 the scale-up starts a new replica rather than taking the
// draining one back; it is ready at 52 s, idle. But capacity() counts the
// draining replica's request against the ready, non-draining replicas
// ((ready−draining)·c − busy = 1·1 − 1 = 0), so the held request does not
// start on the new replica: it waits for the draining replica's 1000 s
// request to end (~970 s, past the 2-minute trace: it ends unserved, its
// wait the trace's rest) while the new replica sits idle (counted in
// IdleReplicaSeconds). Had the trace run on, it would have started on the
// finished request's slot, counted warm. docs/sim.md: "requests the gateway held for a scale from zero are
// cold"; the commit's own words: "from none ... it starts new replicas,
// cold". Expected: 1 cold start, none unserved, a wait of about 12 s (the
// second request, arriving at about 40 s, held until the new replica is
// ready at 52 s).
func TestReview52KHeldRequestStartsOnTheNewReplicaWhileTheDrainingOneIsBusy(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Concurrency = 1
	cfg.DefaultExec = 1000 * time.Second
	cfg.Arrivals = trace.Even
	tr := &trace.Trace{Dir: "held1", Minutes: 2, Functions: []trace.Function{{ID: "f", PerMinute: []uint32{2, 0}}}}
	rs, err := sim.Run(tr, cfg, []sim.Policy{zeroWhileBusy{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Invocations != 2 {
		t.Fatalf("%d invocations; want 2", r.Invocations)
	}
	if r.ColdStarts != 1 || r.Unserved != 0 || r.WaitMax > 60 {
		t.Errorf("%d cold starts, max wait %.1f s (%d unserved); want 1 cold start, none unserved and a wait of about 12 s: the request held for the scale from zero waited for the draining replica's request instead of starting on the new replica that became ready at 52 s",
			r.ColdStarts, r.WaitMax, r.Unserved)
	}
}
