package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// A firing alert without a load annotation (OpenFaaS CE's
// APIHighInvocationRate beside the generated rules, --ce-compatible) that
// arrives while another alert's firing notification, with its load, is
// queued replaced it: the evaluation then ran on the source's burst reading
// alone, and a step the alert's load had measured came a scrape or more
// later.
func TestQueuedLoadNotReplacedByALoadlessAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 45 per replica
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 40)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 80)
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		now := time.Now()
		withLoad := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
			Fingerprint: "fp-up", StartsAt: now.Add(-time.Second), Received: now, Load: ptr(400)}
		loadless := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate",
			Fingerprint: "fp-ce", StartsAt: now.Add(-time.Second), Received: now}
		for _, s := range []Signal{withLoad, loadless} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 9 {
			t.Errorf("an alert with load 400/s queued, then a loadless one: %d replicas, want 9 (the queued load kept)", got)
		}
	})
}
