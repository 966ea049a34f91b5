package gatewaysim

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestWakeFailingBrieflyStillServes: a call whose scale from zero fails
// retries it every 100 ms for 2 s (the gateway's SetScaleRetries ×
// FunctionPollInterval); an ask that succeeds within that span sends it
// on to poll like any other, so no call is dropped.
//
// Hand count: 10 rps, one arrival a step from 0.2 s; the asks of 0.2 s …
// 0.6 s fail (5 failures), the one of 0.7 s succeeds and the replica is
// ready 3 s later, after the failed calls' 2 s span. Every call of the 6 s
// is still served: started counts them all, ≈ 58, and none ended other
// than 200.
func TestWakeFailingBrieflyStillServes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := coldGateway(t, 0, 3*time.Second, Config{ScaleFromZero: true})
		mem.FailScale(ref, 5, errors.New("provider busy"))
		g.SetWorkload(ref, Workload{Load: Constant(10), Duration: 10 * time.Millisecond})
		run(t, g, 6*time.Second+50*time.Millisecond)
		name := ref.String()
		started := counter(t, g, "started", name)
		codes := review51VCodes(t, g, name)
		if started < 57 || codes["200"] != started || len(codes) != 1 {
			t.Errorf("started %v, total by code %v; want ≈58 started, all ended 200: the failed asks were retried and one succeeded", started, codes)
		}
		if fn, _ := mem.Function(t.Context(), ref); fn.Replicas != 1 {
			t.Errorf("replicas = %d, want 1", fn.Replicas)
		}
	})
}
