package idler

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestReview51FQueueVanishedIsNotEmpty: a function read with 5 messages
// queued in one cycle is absent from the next cycle's queue reading, while
// the read itself succeeded (other functions are in it): its consumer was
// deleted and is being recreated by a restarting queue worker, or, with
// the Prometheus source, the queue worker dropped its
// queue_worker_pending_messages series because it could not read the
// consumer (internal/queueworker export: "missing, not zero"). The
// JetStream source documents such an absence as "missing, never zero", and
// the idler does so for the gateway's series (a series seen before and
// gone is "activity unknown, not zero", observe.go). For the queue it
// does not: Decide takes an absent backlog as no backlog (queuedVerdict
// returns nothing when !HasQueued) and the function is scaled to zero 30s
// after it had 5 messages waiting. Expected: not idled while its queue
// reading, seen before, is missing (missing data), as for a vanished
// gateway series.
func TestReview51FQueueVanishedIsNotEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		e := newEnv(t, Config{DefaultZeroDuration: time.Minute},
			function("a", 1, old, optIn(LabelZeroDuration, "10s")),
			function("b", 1, old, optIn(LabelZeroDuration, "10s")))
		e.src.last[ref("a")] = old // invoked long ago: quiet in every window
		e.src.last[ref("b")] = old
		queued := metricsource.Values{ref("a"): 5, ref("b"): 0}
		e.d.cfg.Source = queuedSource{e.src, queued}
		rep := e.d.RunOnce(t.Context(), time.Now())
		if v := verdictOf(rep, ref("a")); v.Code != CodeQueued {
			t.Fatalf("cycle 1: a %s (%s), want queued", v.Code, v.Reason)
		}

		time.Sleep(30 * time.Second)
		delete(queued, ref("a")) // a's reading is gone; the read succeeded (b is in it)
		rep = e.d.RunOnce(t.Context(), time.Now())
		v := verdictOf(rep, ref("a"))
		if e.p.replicas(ref("a")) == 0 {
			t.Errorf("a had 5 messages queued 30s ago and its queue reading is now missing: scaled to zero (%s: %s); want kept (queue unknown, not empty)",
				v.Code, v.Reason)
		}
	})
}
