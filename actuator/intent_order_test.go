package actuator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A scale-down decided on 5 replicas finds, at its conditional write, that
// someone else (the gateway, kubectl, a previous leader's idler) has set
// the function to 0. Arbitrate's contract: "a lower count is dropped when
// ... the count changed at all (it is re-decided on fresh data, never
// forced)". Instead the re-arbitration compares To with the re-read count
// only, sees 2 > 0, and writes 0→2: a scale-down decision wakes a function
// from zero.
func TestLoweringTurnsIntoWakeAfterConflict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 5})
		down := intent(Scaler, refA, 5, 2)
		down.EvidenceFrom = time.Now().Add(-time.Minute)
		time.Sleep(time.Second)
		// Someone outside the actuator scales the function to zero after the
		// scaler looked.
		if err := r.p.Scale(context.Background(), refA, 0); err != nil {
			t.Fatal(err)
		}
		o := r.a.Apply(t.Context(), down)
		if o.Applied || r.replicas(refA) != 0 {
			t.Errorf("scale-down 5→2 on a function now at 0: outcome %s (%s), applied %v, replicas %d; want it dropped (changed), replicas 0",
				o.Code, o.Reason, o.Applied, r.replicas(refA))
		}
	})
}

// The same with a raise in the provider's count meanwhile but below the
// down target: 5→2 decided, now 1. A lowering is never turned into a raise.
func TestLoweringTurnsIntoRaiseAfterConflict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 5})
		down := intent(Scaler, refA, 5, 2)
		time.Sleep(time.Second)
		if err := r.p.Scale(context.Background(), refA, 1); err != nil {
			t.Fatal(err)
		}
		o := r.a.Apply(t.Context(), down)
		if o.Code != CodeChanged || r.replicas(refA) != 1 {
			t.Errorf("scale-down 5→2 on a function now at 1: outcome %s (%s), replicas %d; want changed, replicas 1",
				o.Code, o.Reason, r.replicas(refA))
		}
	})
}

// A merge winner (the scaler's raise) runs with the idler's scale-to-zero
// kept as its fallback. While the winner's write is in flight the scaler
// proposes again, a fresh raise. The winner's write is refused, so the
// fallback runs: but it runs at once, ahead of the scaler's newer raise that
// is queued and that Merge would have preferred to it ("a scale-up beats a
// concurrent scale-down"). The idler's zero lands, and the scaler's fresh
// raise then finds 0 and is dropped as a wake on stale evidence: the
// function ends at zero while the scaler, with fresh load, wants 2.
func TestFallbackRunsAheadOfNewerQueuedRaise(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
			map[provider.Ref]uint64{refA: 1, refB: 1})
		stop := r.run()
		defer stop()
		// The only worker is busy on b, so a's two intents merge.
		releaseB := r.p.Block(refB)
		busy := r.submit(intent(Scaler, refB, 1, 2))
		synctest.Wait()

		idle := r.submit(intent(Idler, refA, 1, 0))
		up := r.submit(intent(Scaler, refA, 1, 3)) // wins the merge; idle is its fallback
		releaseA := r.p.Block(refA)
		// The provider will refuse 3 (a quota admission webhook, say).
		r.p.FailScale(refA, 1, &provider.RefusedError{Ref: refA, Replicas: 3, Message: "exceeded quota"})
		releaseB()
		outcome(t, busy)
		if err := r.p.WaitHeld(t.Context(), refA, 1); err != nil {
			t.Fatal(err)
		}

		// While the raise is in flight the scaler decides again on fresh
		// load: 2 replicas.
		time.Sleep(time.Second)
		fresh := intent(Scaler, refA, 1, 2)
		fresh.EvidenceFrom = time.Now().Add(-30 * time.Second)
		freshCh := r.submit(fresh)
		releaseA()

		uo, io, fo := outcome(t, up), outcome(t, idle), outcome(t, freshCh)
		zeroed := false
		for _, c := range r.p.Calls() {
			if c.Ref == refA && c.Changed() && c.To == 0 {
				zeroed = true
			}
		}
		if zeroed || r.replicas(refA) != 2 {
			t.Errorf("up %s, idle %s (%s), fresh raise %s (%s); scaled to zero: %v, replicas %d; want the fresh raise to beat the idle: no zero, replicas 2",
				uo.Code, io.Code, io.Reason, fo.Code, fo.Reason, zeroed, r.replicas(refA))
		}
	})
}

// Between components the higher count wins the merge, the runner-up kept as
// a fallback (slot.add). When the winner's component then replaces its
// intent with a lower one, the replacement takes the winner's place without
// being compared with the fallback: the pre-warm's 0→2 becomes the
// fallback of the scaler's 0→1, which runs, is applied, and supersedes it.
// Had the scaler's earlier 0→4 never been proposed, Merge(scaler 0→1,
// pre-warm 0→2) keeps the pre-warm and the function gets 2. The result of
// arbitration depends on an intent that no longer counts.
func TestSameComponentReplacementSkipsFallbackMerge(t *testing.T) {
	for _, tc := range []struct {
		name        string
		scalerFirst bool // the scaler proposed 0→4 before changing its mind to 0→1
	}{{"without the scaler's earlier intent", false}, {"with the scaler's earlier intent", true}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
					map[provider.Ref]uint64{refA: 0, refB: 1})
				stop := r.run()
				defer stop()
				releaseB := r.p.Block(refB) // the only worker is busy on b
				busy := r.submit(intent(Scaler, refB, 1, 2))
				synctest.Wait()

				var early <-chan Outcome
				if tc.scalerFirst {
					early = r.submit(intent(Scaler, refA, 0, 4))
				}
				pre := r.submit(intent(PreWarm, refA, 0, 2))
				up := r.submit(intent(Scaler, refA, 0, 1))
				releaseB()
				outcome(t, busy)
				if early != nil {
					outcome(t, early)
				}
				po, uo := outcome(t, pre), outcome(t, up)
				if got := r.replicas(refA); got != 2 {
					t.Errorf("pre-warm %s (%s), scaler %s (%s): replicas %d; want 2 (the higher of the two live intents)",
						po.Code, po.Reason, uo.Code, uo.Reason, got)
				}
			})
		})
	}
}
