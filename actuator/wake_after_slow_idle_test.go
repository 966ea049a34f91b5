package actuator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestWakeOnLoadSinceASlowIdleWasSentApplies: the stale-evidence guard
// drops a wake from zero whose load was measured from before the idle,
// the load the idle judged. The idle judged it before its write was sent
// (Write.Sent): load measured since then is new, though the reply came
// later. Compared with the reply's time, a genuine wake on a slow provider
// waited up to a call timeout (here 4 s of a 5 s one). Load from before
// the send is still stale.
func TestWakeOnLoadSinceASlowIdleWasSentApplies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		evidence time.Duration // from the idle's send
		want     Code
	}{
		{"load since it was sent", time.Second, CodeApplied},
		{"load from before it was sent", -time.Second, CodeStaleEvidence},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 2})
				r.p.SetDelay(refA, 4*time.Second) // a loaded API server
				sent := time.Now()
				if o := r.a.Apply(context.Background(), Intent{Ref: refA, From: 2, To: 0, Who: Idler, Code: "idle", Observed: sent}); o.Code != CodeApplied {
					t.Fatalf("idle: %s (%s)", o.Code, o.Reason)
				}
				r.p.SetDelay(refA, 0)
				o := r.a.Apply(context.Background(), Intent{Ref: refA, From: 0, To: 1, Who: Scaler, Code: "wake",
					Observed: time.Now(), EvidenceFrom: sent.Add(tc.evidence)})
				if o.Code != tc.want {
					t.Errorf("wake on load since %s after the idle was sent (its reply 4 s after): %s (%s), want %s",
						tc.evidence, o.Code, o.Reason, tc.want)
				}
			})
		})
	}
}
