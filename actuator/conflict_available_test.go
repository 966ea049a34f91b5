package actuator

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A write that finds the count changed reports how many replicas were
// available then (provider.ConflictError.Available), in the outcome, its
// reason and the explain API: a pre-warm dropped because "it has 2 now"
// reads very differently when none of the 2 serves yet (someone's wake is
// still starting) than when both do.
func TestConflictShowsTheAvailableReplicas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{ColdStart: 30 * time.Second}, nil, map[provider.Ref]uint64{refA: 0})
		in := intent(PreWarm, refA, 0, 1) // made on 0
		// The gateway wakes it to 2 meanwhile; neither replica is ready.
		if err := r.p.Scale(context.Background(), refA, 2); err != nil {
			t.Fatal(err)
		}
		o := r.a.Apply(t.Context(), in)
		if o.Code != CodeAlreadyHigher {
			t.Fatalf("code %s (%s), want %s", o.Code, o.Reason, CodeAlreadyHigher)
		}
		if !o.HasAvailable || o.Available != 0 || !strings.Contains(o.Reason, "0 of them available") {
			t.Errorf("outcome available = %d (known %v), reason %q: want 0 known, and said", o.Available, o.HasAvailable, o.Reason)
		}
		e, _ := r.a.Explain(refA)
		recent := e.(Explanation).Recent
		if len(recent) != 1 || recent[0].Available == nil || *recent[0].Available != 0 {
			t.Fatalf("explain recent = %+v, want one outcome with available 0", recent)
		}

		// Once they are ready, the same drop says so; an outcome without a
		// conflict says nothing about availability.
		time.Sleep(30 * time.Second)
		if o := r.a.Apply(t.Context(), in); o.Available != 2 || !strings.Contains(o.Reason, "2 of them available") {
			t.Errorf("after the cold start: available %d, reason %q, want 2", o.Available, o.Reason)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 2, 3)); o.Code != CodeApplied || o.HasAvailable {
			t.Errorf("a write without a conflict: %s, available known %v, want applied and not known", o.Code, o.HasAvailable)
		}
		e, _ = r.a.Explain(refA)
		if got := e.(Explanation).Recent[0]; got.Available != nil {
			t.Errorf("explain of a write without a conflict: available %d, want none", *got.Available)
		}
	})
}
