package actuator

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A refused count stays held off for its whole back-off while other counts
// are applied: a proposer that alternates (the idler's 0, the scaler's 2,
// then 0 again) does not get the refused count asked for again at once. The
// refusal used to be cleared by any other count's write, so every
// alternation cost one more refused call.
func TestRefusedCountHoldsWhileOtherCountsApply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{RefuseZero: true}, nil, map[provider.Ref]uint64{refA: 1})
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)); o.Code != CodeRefused || o.Err == nil {
			t.Fatalf("first scale to zero: %s (%v), want refused by the provider", o.Code, o.Err)
		}
		for i, step := range []struct{ from, to uint64 }{{1, 2}, {2, 1}} {
			time.Sleep(time.Second)
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, step.from, step.to)); o.Code != CodeApplied {
				t.Fatalf("step %d: scaler %d→%d: %s (%s), want applied", i, step.from, step.to, o.Code, o.Reason)
			}
			o := r.a.Apply(t.Context(), intent(Idler, refA, step.to, 0))
			if o.Code != CodeRefused || o.Err != nil {
				t.Fatalf("step %d: zero again after the scaler's %d: %s (err %v: %s), want dropped by the refusal, not asked",
					i, step.to, o.Code, o.Err, o.Reason)
			}
		}
		if n := len(r.p.Calls()); n != 3 {
			t.Errorf("provider calls %d, want 3 (the refusal and the scaler's two writes)", n)
		}
		time.Sleep(time.Minute) // the refusal of zero is over
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)); o.Err == nil {
			t.Errorf("after the back-off: %s (%s), want the provider asked again", o.Code, o.Reason)
		}
	})
}

// Two refused counts are each held off for their own back-off: the second
// refusal does not release the first (a quota refusing 5 and then 6 must
// not have 5 asked for again at once).
func TestTwoRefusedCountsHoldIndependently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		r.p.FailScale(refA, 2, &provider.RefusedError{Ref: refA, Replicas: 5, Status: 403, Message: "exceeded quota"})
		start := time.Now()
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 5)); o.Code != CodeRefused || o.Err == nil {
			t.Fatalf("5: %s (%v), want refused by the provider", o.Code, o.Err)
		}
		time.Sleep(10 * time.Second)
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 6)); o.Code != CodeRefused || o.Err == nil {
			t.Fatalf("6: %s (%v), want refused by the provider", o.Code, o.Err)
		}
		for _, to := range []uint64{5, 6} {
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, to)); o.Code != CodeRefused || o.Err != nil {
				t.Errorf("%d again: %s (err %v: %s), want dropped by its refusal", to, o.Code, o.Err, o.Reason)
			}
		}
		if n := len(r.p.Calls()); n != 2 {
			t.Errorf("provider calls %d, want 2", n)
		}
		e, _ := r.a.Explain(refA)
		ex := e.(Explanation)
		want := []Refusal{{Replicas: 5, Until: start.Add(time.Minute)}, {Replicas: 6, Until: start.Add(70 * time.Second)}}
		if len(ex.Refused) != len(want) || ex.Refused[0] != want[0] || ex.Refused[1] != want[1] {
			t.Errorf("explain refused = %+v, want %+v", ex.Refused, want)
		}
		if ex.RefusedReplicas == nil || *ex.RefusedReplicas != 6 {
			t.Errorf("explain refused_replicas = %v, want the latest refusal, 6", ex.RefusedReplicas)
		}
		time.Sleep(50 * time.Second) // 5's minute is over, 6's is not
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 5)); o.Code != CodeApplied {
			t.Errorf("5 after its back-off: %s (%s), want applied", o.Code, o.Reason)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 5, 6)); o.Code != CodeRefused || o.Err != nil {
			t.Errorf("6 within its back-off: %s (err %v), want dropped by its refusal", o.Code, o.Err)
		}
	})
}

// The refused counts kept per function are bounded: past maxRefusals the
// refusal ending first makes room, so a proposer walking up into a quota
// does not grow the slot for the whole back-off.
func TestRefusedCountsAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		r.p.FailScale(refA, maxRefusals+1, &provider.RefusedError{Ref: refA, Status: 403, Message: "exceeded quota"})
		for to := uint64(2); to < 2+maxRefusals+1; to++ {
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, to)); o.Code != CodeRefused || o.Err == nil {
				t.Fatalf("%d: %s (%v), want refused by the provider", to, o.Code, o.Err)
			}
			time.Sleep(time.Second)
		}
		e, _ := r.a.Explain(refA)
		got := e.(Explanation).Refused
		if len(got) != maxRefusals || got[0].Replicas != 3 || got[len(got)-1].Replicas != 2+maxRefusals {
			t.Errorf("refused = %+v, want the %d latest (3..%d)", got, maxRefusals, 2+maxRefusals)
		}
	})
}
