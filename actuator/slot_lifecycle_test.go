package actuator

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slotCount is how many functions the actuator keeps state for.
func (r *rig) slotCount() int {
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return len(r.a.slots)
}

// The scaler forgets a function once, when it leaves the listing. If an
// intent for it is in flight then (here the idler's, held in the provider
// while the function is deleted), the slot must still go once that intent
// is done: nobody calls Forget again, and a fleet whose functions come and
// go would otherwise keep one slot per name ever deleted mid-call. A
// proposal made after the Forget names the function again and keeps it.
//
// Seen failing before the fix: review_test.go: after Forget during a held
// call (outcome gone): 1 slots kept, explained true; want none
func TestForgetDuringCallDropsSlotOnceIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1, refB: 1})
		stop := r.run()
		defer stop()
		release := r.p.Block(refA)
		ch := r.submit(intent(Idler, refA, 1, 0))
		synctest.Wait() // the write is held in the provider
		if err := r.p.Remove(refA); err != nil {
			t.Fatal(err)
		}
		r.a.Forget(refA) // the scaler's pass sees it gone
		release()
		o := outcome(t, ch)
		if _, ok := r.a.Explain(refA); ok || r.slotCount() != 0 {
			t.Errorf("after Forget during a held call (outcome %s): %d slots kept, explained %v; want none",
				o.Code, r.slotCount(), ok)
		}

		// Forgotten while busy, then proposed again: the slot is kept.
		release = r.p.Block(refB)
		first := r.submit(intent(Scaler, refB, 1, 2))
		synctest.Wait()
		r.a.Forget(refB)
		again := r.submit(intent(Idler, refB, 1, 0))
		release()
		outcome(t, first)
		outcome(t, again)
		if _, ok := r.a.Explain(refB); !ok {
			t.Error("a function proposed again after Forget was forgotten")
		}
	})
}

// A conflict re-arbitrates the intent on the re-read count and may write a
// second time. The first attempt's guards are not the second's: when this
// replica stops leading while the first write is in flight, the second
// write must not happen ("only the leader scales").
//
// Seen failing before the fix: review_test.go: leadership lost during the
// first (conflicting) write: applied (2→3), replicas 3; want not_leader,
// replicas 2
func TestConflictRetryRechecksLeadership(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var leading atomic.Bool
		leading.Store(true)
		r := newRig(t, memory.Options{}, func(c *Config) { c.Leading = leading.Load },
			map[provider.Ref]uint64{refA: 1})
		stop := r.run()
		defer stop()
		release := r.p.Block(refA)
		ch := r.submit(intent(Scaler, refA, 1, 3))
		synctest.Wait() // the first conditional write is held
		// Meanwhile someone changes the count (the write will conflict) and
		// another replica takes the lease.
		if err := r.p.Deploy(provider.Function{Ref: refA, Replicas: 2}); err != nil {
			t.Fatal(err)
		}
		leading.Store(false)
		release()
		o := outcome(t, ch)
		if o.Code != CodeNotLeader || r.replicas(refA) != 2 {
			t.Errorf("leadership lost during the first (conflicting) write: %s (%s), replicas %d; want not_leader, replicas 2",
				o.Code, o.Reason, r.replicas(refA))
		}
	})
}

// A call in flight when the pool's context ends (the leadership term ends,
// shutdown) fails with the context's error. That is this replica stopping,
// not the function's calls failing: it must not back the function off nor
// count as a consecutive failure, or the next term (a lease taken back a
// moment later) drops the function's first intents as "backoff" and its
// explanation names a failure that was not one.
//
// Seen failing before the fix: review_test.go: next term's first intent:
// backoff (calls for it failed; backing off until …); want applied
func TestCancelledCallDoesNotBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 }, map[provider.Ref]uint64{refA: 1})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := r.a.Start(ctx)
		synctest.Wait()
		release := r.p.Block(refA)
		defer release()
		ch := r.submit(intent(Scaler, refA, 1, 3))
		synctest.Wait()
		cancel() // the term ends with the write held
		if o := outcome(t, ch); o.Code != CodeError {
			t.Fatalf("held call cancelled with the pool: %s (%s)", o.Code, o.Reason)
		}
		<-stopped
		release()

		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		r.a.Start(ctx2) // the lease is back at once
		synctest.Wait()
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 3)); o.Code != CodeApplied {
			t.Errorf("next term's first intent: %s (%s); want applied", o.Code, o.Reason)
		}
		x, _ := r.a.Explain(refA)
		if e := x.(Explanation); e.Failures != 0 {
			t.Errorf("explained %d consecutive failures (%q); want 0", e.Failures, e.LastError)
		}
	})
}

// Two configuration reloads at once (a SIGHUP while the reload endpoint is
// served): SetTuning validated a copy of the configuration read without the
// lock, while the other wrote it under the lock. Run with -race.
//
// Seen failing before the fix (go test -race): "WARNING: DATA RACE ... Read
// at ... actuator.(*Actuator).SetTuning tuning.go:9 ... Previous write at
// ... actuator.(*Actuator).SetTuning tuning.go:17"
func TestConcurrentSetTuning(t *testing.T) {
	r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			d := time.Duration(i+1) * time.Second
			if err := r.a.SetTuning(d, d, 2*d, d); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
