package actuator

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A function deleted and deployed again under the same name between two
// listings is a new function: its intents carry its creation time
// (Intent.Created), and what the actuator kept of the old one (refused
// count, error back-off, last write, recent outcomes) is not the new one's.

// recreate deletes ref and deploys it again now with n replicas; it returns
// the new function's creation time.
func (r *rig) recreate(ref provider.Ref, n uint64) time.Time {
	r.t.Helper()
	if err := r.p.Remove(ref); err != nil {
		r.t.Fatal(err)
	}
	created := time.Now()
	if err := r.p.Deploy(provider.Function{Ref: ref, Replicas: n, CreatedAt: created}); err != nil {
		r.t.Fatal(err)
	}
	return created
}

func created(in Intent, at time.Time) Intent {
	in.Created = at
	return in
}

// TestRecreatedFunctionIsNotHeldByItsPredecessorsRefusal: the provider
// refused zero for the old "a"; the new "a" is scaled to zero at once, not
// after the refused back-off, and its explanation is its own.
//
// Seen failing without the fix: the new function's scale to zero was
// dropped as "refused" ("the provider refused 0; not asking again before
// 00:01:00", the old refusal's back-off).
func TestRecreatedFunctionIsNotHeldByItsPredecessorsRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		old := time.Now()
		r.p.FailScale(refA, 1, &provider.RefusedError{Ref: refA, Replicas: 0, Status: 400, Message: "no zero"})
		if o := r.a.Apply(t.Context(), created(intent(Idler, refA, 1, 0), old)); o.Code != CodeRefused {
			t.Fatalf("old function: %s (%s), want refused", o.Code, o.Reason)
		}
		time.Sleep(10 * time.Second)
		now := r.recreate(refA, 1)
		o := r.a.Apply(t.Context(), created(intent(Idler, refA, 1, 0), now))
		if o.Code != CodeApplied {
			t.Errorf("new function: %s (%s), want applied", o.Code, o.Reason)
		}
		if n := r.replicas(refA); n != 0 {
			t.Errorf("new function: %d replicas, want 0", n)
		}
		x, ok := r.a.Explain(refA)
		if !ok {
			t.Fatal("not explained")
		}
		e := x.(Explanation)
		if e.RefusedUntil != nil || e.LastError != "" || len(e.Recent) != 1 {
			t.Errorf("new function: explained refused until %v, last error %q, %d recent outcomes; want only its own (1 outcome)",
				e.RefusedUntil, e.LastError, len(e.Recent))
		}
	})
}

// TestRecreatedFunctionIsNotHeldByItsPredecessorsBackoff: the old "a"'s
// writes failed (back-off 4 s); the new "a"'s first intent runs at once.
//
// Seen failing without the fix: "backoff" ("calls for it failed; backing
// off until …").
func TestRecreatedFunctionIsNotHeldByItsPredecessorsBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		old := time.Now()
		r.p.FailScale(refA, 3, errors.New("connection reset"))
		for i := range 3 {
			if i > 0 {
				time.Sleep(4 * time.Second) // past the back-off
			}
			if o := r.a.Apply(t.Context(), created(intent(Scaler, refA, 1, 2), old)); o.Code != CodeError {
				t.Fatalf("old function: %s (%s), want error", o.Code, o.Reason)
			}
		}
		// Backing off for 4 s from the third failure.
		time.Sleep(time.Second)
		now := r.recreate(refA, 1)
		if o := r.a.Apply(t.Context(), created(intent(Scaler, refA, 1, 2), now)); o.Code != CodeApplied {
			t.Errorf("new function: %s (%s), want applied", o.Code, o.Reason)
		}
		x, _ := r.a.Explain(refA)
		if e := x.(Explanation); e.Failures != 0 || e.BackoffUntil != nil {
			t.Errorf("new function: explained %d failures, back-off until %v; want none", e.Failures, e.BackoffUntil)
		}
	})
}

// TestUnknownOrOlderCreationKeepsTheState: an intent that does not know
// the function's creation time, or names an older one (a proposer's
// listing from before the re-creation), cannot tell the new function from
// the old: the refusal stands, as before.
func TestUnknownOrOlderCreationKeepsTheState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		r.p.FailScale(refA, 1, &provider.RefusedError{Ref: refA, Replicas: 0, Status: 400, Message: "no zero"})
		fn, err := r.p.Function(t.Context(), refA)
		if err != nil {
			t.Fatal(err)
		}
		// The function's own creation time, as a listing names it (a
		// write names it to the provider too, ScaleIf); old: a listing
		// from before it.
		cur, old := fn.CreatedAt, fn.CreatedAt.Add(-time.Second)
		time.Sleep(time.Second)
		if o := r.a.Apply(t.Context(), created(intent(Idler, refA, 1, 0), cur)); o.Code != CodeRefused {
			t.Fatalf("first: %s (%s), want refused", o.Code, o.Reason)
		}
		time.Sleep(time.Second)
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)); o.Code != CodeRefused || o.Err != nil {
			t.Errorf("creation unknown: %s (%s), want refused by arbitration", o.Code, o.Reason)
		}
		if o := r.a.Apply(t.Context(), created(intent(Idler, refA, 1, 0), old)); o.Code != CodeRefused || o.Err != nil {
			t.Errorf("older creation: %s (%s), want refused by arbitration", o.Code, o.Reason)
		}
		if c := r.p.Calls(); len(c) != 1 {
			t.Errorf("calls %+v, want only the first", c)
		}
	})
}
