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

// A count the provider refuses (OpenFaaS CE and zero) is not asked for again
// before RefusedBackoff, counted from the provider's refusal: intents
// dropped meanwhile do not extend it. Other counts go ahead.
func TestRefusedCountIsNotAskedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{RefuseZero: true}, nil, map[provider.Ref]uint64{refA: 1})
		o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0))
		if o.Code != CodeRefused || o.Err == nil || !strings.Contains(o.Reason, memory.ZeroRefusedMessage) {
			t.Fatalf("first scale to zero: %s (%v): %s", o.Code, o.Err, o.Reason)
		}
		// Outcome.RefusedUntil says when it is asked again, on the refusal
		// and on every drop (a proposer's own back-off names it).
		until := o.RefusedUntil
		if !until.Equal(o.At.Add(r.a.cfg.RefusedBackoff)) {
			t.Fatalf("refusal at %s: RefusedUntil %s, want the back-off %s on", o.At, until, r.a.cfg.RefusedBackoff)
		}
		for range 4 {
			time.Sleep(15*time.Second - time.Millisecond)
			o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0))
			if o.Code != CodeRefused || o.Err != nil || !strings.Contains(o.Reason, "not asking again before") || !o.RefusedUntil.Equal(until) {
				t.Fatalf("within the refusal: %s (%v): %s, RefusedUntil %s (want %s)", o.Code, o.Err, o.Reason, o.RefusedUntil, until)
			}
		}
		if n := len(r.p.Calls()); n != 1 {
			t.Errorf("provider calls %d, want 1 (the refusal)", n)
		}
		time.Sleep(4 * time.Millisecond) // the minute since the refusal is over
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)); o.Code != CodeRefused || o.Err == nil {
			t.Errorf("after RefusedBackoff the provider is asked again: %s (%v)", o.Code, o.Err)
		}
		if n := len(r.p.Calls()); n != 2 {
			t.Errorf("provider calls %d, want 2", n)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 2)); o.Code != CodeApplied {
			t.Errorf("another count during the refusal: %s", o.Code)
		}
	})
}

// Dry-run decides and reports every intent, and the provider sees no write.
func TestDryRunWritesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.DryRun = true },
			map[provider.Ref]uint64{refA: 1, refB: 0})
		stop := r.run()
		defer stop()
		for _, tc := range []struct {
			in   Intent
			code Code
		}{
			{intent(Scaler, refA, 1, 3), CodeDryRun},
			{intent(Idler, refA, 1, 0), CodeDryRun},
			{intent(PreWarm, refB, 0, 2), CodeDryRun},
			{intent(Restore, refB, 0, 1), CodeDryRun},
			{intent(Scaler, refA, 1, 1), CodeUnchanged},
		} {
			if o := r.a.Apply(t.Context(), tc.in); o.Code != tc.code || (o.Applied != (tc.code == CodeUnchanged)) {
				t.Errorf("%s: %s (applied %v), want %s", tc.in, o.Code, o.Applied, tc.code)
			}
		}
		if c := r.p.Calls(); len(c) != 0 {
			t.Errorf("dry run wrote: %+v", c)
		}
		if _, ok := r.a.LastWrite(refA); ok {
			t.Error("dry run recorded a write")
		}
		if r.replicas(refA) != 1 || r.replicas(refB) != 0 {
			t.Error("replicas changed")
		}
	})
}

// Only the leader writes; only managed namespaces are written.
func TestLeaderAndNamespaceGuards(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		other := provider.Ref{Name: "c", Namespace: "other"}
		leading := false
		r := newRig(t, memory.Options{}, func(c *Config) {
			c.Leading = func() bool { return leading }
			c.Namespaces = []string{"ns"}
		}, map[provider.Ref]uint64{refA: 1, other: 1})
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3)); o.Code != CodeNotLeader {
			t.Errorf("follower: %s", o.Code)
		}
		if o := r.a.Apply(t.Context(), intent(Idler, other, 1, 0)); o.Code != CodeNotLeader {
			t.Errorf("follower, unmanaged: %s", o.Code)
		}
		if c := r.p.Calls(); len(c) != 0 {
			t.Fatalf("a follower wrote: %+v", c)
		}
		leading = true
		if o := r.a.Apply(t.Context(), intent(Idler, other, 1, 0)); o.Code != CodeFiltered || !strings.Contains(o.Reason, "namespace other") {
			t.Errorf("unmanaged namespace: %s %s", o.Code, o.Reason)
		}
		if c := r.p.Calls(); len(c) != 0 {
			t.Fatalf("an unmanaged namespace was written: %+v", c)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3)); o.Code != CodeApplied {
			t.Errorf("leader, managed: %s", o.Code)
		}
	})
}

// The count changed under the intent (another writer, straight to the
// provider): a lower target is dropped, a raise proceeds from the new count,
// a raise already exceeded is dropped; nothing is overwritten blindly.
func TestConditionalWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 2})
		other := func(n uint64) {
			if err := r.p.Scale(context.Background(), refA, n); err != nil {
				t.Fatal(err)
			}
		}
		other(4) // someone else, after the proposers read 2
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 2, 1)); o.Code != CodeChanged || o.Current != 4 || o.Applied {
			t.Errorf("lower target on a changed count: %s (current %d): %s", o.Code, o.Current, o.Reason)
		}
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 2, 0)); o.Code != CodeChanged {
			t.Errorf("zero on a changed count: %s", o.Code)
		}
		if n := r.replicas(refA); n != 4 {
			t.Fatalf("overwritten: %d, want 4", n)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 2, 6)); o.Code != CodeApplied || o.From != 4 || o.To != 6 {
			t.Errorf("raise on a changed count: %s %d→%d, want applied 4→6", o.Code, o.From, o.To)
		}
		if o := r.a.Apply(t.Context(), intent(PreWarm, refA, 2, 3)); o.Code != CodeAlreadyHigher || !strings.Contains(o.Reason, "it has 6 now") {
			t.Errorf("raise already exceeded: %s %s", o.Code, o.Reason)
		}
		if o := r.a.Apply(t.Context(), intent(PreWarm, refA, 2, 6)); o.Code != CodeUnchanged || !o.Applied {
			t.Errorf("raise already reached: %s", o.Code)
		}
		if n := r.replicas(refA); n != 6 {
			t.Errorf("replicas %d, want 6", n)
		}
		// Between the queue and the write: a call held for the function, the
		// count changed meanwhile by a redeploy.
		stop := r.run()
		defer stop()
		release := r.p.Block(refA)
		first := r.submit(intent(Scaler, refA, 6, 7))
		synctest.Wait()
		down := r.submit(intent(Scaler, refA, 7, 5)) // made on the count the first will write
		if err := r.p.Deploy(provider.Function{Ref: refA, Replicas: 9}); err != nil {
			t.Fatal(err)
		}
		release()
		if o := outcome(t, first); o.Code != CodeAlreadyHigher || o.Current != 9 {
			t.Errorf("held raise, redeployed at 9: %s current %d", o.Code, o.Current)
		}
		if o := outcome(t, down); o.Code != CodeChanged {
			t.Errorf("queued lower target on a changed count: %s", o.Code)
		}
		if n := r.replicas(refA); n != 9 {
			t.Errorf("replicas %d, want the redeploy's 9", n)
		}
	})
}

// The idler and the scaler: a scale to zero decided before the scaler's
// raise is dropped; a wake from zero on load measured before the idle is
// dropped, one on load since is applied.
func TestIdlerVersusScaler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		idle := intent(Idler, refA, 1, 0) // the idler looks at 0s…
		time.Sleep(time.Second)
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3)); o.Code != CodeApplied { // …the scaler raises at 1s…
			t.Fatal(o.Code)
		}
		raised := time.Now()
		time.Sleep(time.Second)
		o := r.a.Apply(t.Context(), idle) // …and the idler acts at 2s.
		if o.Code != CodeRaisedSince || !strings.Contains(o.Reason, "scaler raised it 1→3") {
			t.Fatalf("idle after a raise: %s %s", o.Code, o.Reason)
		}
		if n := r.replicas(refA); n != 3 {
			t.Fatalf("replicas %d, want 3", n)
		}
		if got := r.a.LastRaise(refA, Scaler); !got.Equal(raised) {
			t.Errorf("LastRaise(scaler) = %v, want %v", got, raised)
		}
		if got := r.a.LastRaise(refA, Idler); !got.IsZero() {
			t.Errorf("LastRaise(idler) = %v, want zero", got)
		}

		time.Sleep(time.Minute)
		if o := r.a.Apply(t.Context(), intent(Idler, refA, 3, 0)); o.Code != CodeApplied {
			t.Fatal(o.Code)
		}
		idledAt := time.Now()
		if !r.a.LastRaise(refA, "").IsZero() {
			t.Error("LastRaise after a scale to zero is not zero")
		}
		if w, ok := r.a.LastWrite(refA); !ok || w.Who != Idler || w.From != 3 || w.To != 0 || !w.At.Equal(idledAt) {
			t.Errorf("LastWrite = %+v, %v", w, ok)
		}
		time.Sleep(time.Second)
		wake := intent(Scaler, refA, 0, 1)
		wake.EvidenceFrom = idledAt.Add(-30 * time.Second) // the scaler's 30s window still holds pre-idle load
		if o := r.a.Apply(t.Context(), wake); o.Code != CodeStaleEvidence || r.replicas(refA) != 0 {
			t.Errorf("wake on pre-idle load: %s, replicas %d", o.Code, r.replicas(refA))
		}
		wake.EvidenceFrom = idledAt.Add(time.Millisecond)
		if o := r.a.Apply(t.Context(), wake); o.Code != CodeApplied || r.replicas(refA) != 1 {
			t.Errorf("wake on load since the idle: %s, replicas %d", o.Code, r.replicas(refA))
		}
	})
}
