package actuator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReplacedPredecessorIntentDoesNotBackOffSuccessor: "a" was
// deleted and deployed again (created T2). The scaler, on a listing of the
// new "a", raised it. The idler's intent, decided on a listing from before
// the re-creation (created T1), then reaches the provider, which answers
// ReplacedError: correctly nothing is written. But that answer is about the
// predecessor, not about the calls for the function now under the name: it
// must not back the new function off, nor count as one of its failures (as
// slot.renew keeps the predecessor's back-off from the successor, and as a
// stopped call is not counted). The scaler's next raise must be applied.
//
// Seen failing before the fix: "new function's next raise: backoff (calls
// for it failed; backing off until 00:00:12.000), want applied" and one
// consecutive failure explained.
func TestReplacedPredecessorIntentDoesNotBackOffSuccessor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		old := r.recreate(refA, 1) // the function the idler's listing saw
		time.Sleep(10 * time.Second)
		now := r.recreate(refA, 1) // deployed again under the name
		if o := r.a.Apply(t.Context(), created(intent(Scaler, refA, 1, 3), now)); o.Code != CodeApplied {
			t.Fatalf("scaler on the new function: %s (%s), want applied", o.Code, o.Reason)
		}
		time.Sleep(time.Second)
		// The idler's cycle decides now, on its listing of the old function.
		if o := r.a.Apply(t.Context(), created(intent(Idler, refA, 1, 0), old)); o.Code != CodeGone {
			t.Fatalf("idler on the old function: %s (%s), want gone", o.Code, o.Reason)
		}
		if n := r.replicas(refA); n != 3 {
			t.Fatalf("new function has %d replicas after the idler's intent on the old one, want 3", n)
		}
		// The new function's own next raise, on its own listing.
		o := r.a.Apply(t.Context(), created(intent(Scaler, refA, 3, 5), now))
		if o.Code != CodeApplied {
			t.Errorf("new function's next raise: %s (%s), want applied: the predecessor's replaced answer backed it off", o.Code, o.Reason)
		}
		x, _ := r.a.Explain(refA)
		if e := x.(Explanation); e.Failures != 0 || e.LastError != "" {
			t.Errorf("new function explained %d consecutive failures, last error %q; want none of its own", e.Failures, e.LastError)
		}
	})
}
