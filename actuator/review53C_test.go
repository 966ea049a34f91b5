package actuator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview53CWakeOnLoadSinceAQueuedIdleWasDecidedApplies: the idler
// proposes every idle of a cycle at once (idler.actAll) and the pool runs
// them as workers free up, so an idle can be sent long after it was
// decided (its Observed: the cycle's listing). The stale-evidence guard
// means to drop a wake only on "load that the idle already judged", and
// says "the idle judged the load up to its decision ... load measured
// since then is new" (arbitrate.go). It compares with Write.Sent, which
// for a queued idle is its decision plus the queue's wait: a genuine wake
// on load that began after the idle was decided, while it waited in the
// queue, is dropped as stale_evidence, and the function stays at zero
// under load until a burst window has passed the send — the very wait
// f306537 removed for a slow reply. Here one worker, two slow calls (4 s
// each) of other functions ahead of the idle: it is sent 8 s after its
// decision; load measured from 3 s after the decision wakes it.
func TestReview53CWakeOnLoadSinceAQueuedIdleWasDecidedApplies(t *testing.T) {
	refC := provider.Ref{Name: "c", Namespace: "ns"}
	for _, tc := range []struct {
		name     string
		evidence time.Duration // from the idle's decision
		want     Code
	}{
		{"load since the idle was decided, before it was sent", 3 * time.Second, CodeApplied},
		{"load from before the idle was decided", -time.Second, CodeStaleEvidence}, // control
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
					map[provider.Ref]uint64{refA: 1, refB: 1, refC: 1})
				stop := r.run()
				defer stop()
				r.p.SetDelay(refB, 4*time.Second) // a loaded API server
				r.p.SetDelay(refC, 4*time.Second)
				decided := time.Now() // the idler's cycle
				ob := r.submit(Intent{Ref: refB, From: 1, To: 0, Who: Idler, Code: "idle", Observed: decided})
				oc := r.submit(Intent{Ref: refC, From: 1, To: 0, Who: Idler, Code: "idle", Observed: decided})
				oa := r.submit(Intent{Ref: refA, From: 1, To: 0, Who: Idler, Code: "idle", Observed: decided})
				for _, ch := range []<-chan Outcome{ob, oc, oa} {
					if o := <-ch; o.Code != CodeApplied {
						t.Fatalf("idle %s: %s (%s)", o.Intent.Ref, o.Code, o.Reason)
					}
				}
				w, _ := r.a.LastWrite(refA)
				if got := w.Sent.Sub(decided); got != 8*time.Second {
					t.Fatalf("a's idle sent %s after its decision, want 8s (queued behind b and c)", got)
				}
				time.Sleep(2 * time.Second)
				o := <-r.submit(Intent{Ref: refA, From: 0, To: 2, Who: Scaler, Code: "wake",
					Observed: time.Now(), EvidenceFrom: decided.Add(tc.evidence)})
				if o.Code != tc.want {
					t.Errorf("wake on load measured from %s after the idle's decision (sent 8 s after it): %s (%s), want %s",
						tc.evidence, o.Code, o.Reason, tc.want)
				}
			})
		})
	}
}
