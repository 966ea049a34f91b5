package actuator

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// An intent submitted while the pool is stopping (a leadership term ends:
// controller.Act's ctx is cancelled, but the scaler's webhook path or a loop
// mid-cycle still proposes) and one queued behind a call that the end of
// the term cancels both get CodeStopped before Start's channel is closed:
// an outcome in their own term. Neither is kept for the next Start (the
// next term, an hour later), which must not apply an hour-old scale to
// zero. After the pool has stopped, Submit processes inline again.
//
// The window is held open deterministically: the worker cancelled out of
// b's call is inside b's done (it has not left) while a is submitted.
//
// Seen failing before the fix (found by a review): stop_test.go:52: intent submitted as the pool stopped: error (stopped: context canceled); want stopped
func TestIntentsQueuedAsPoolStopsGetStoppedOutcome(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
			map[provider.Ref]uint64{refA: 1, refB: 1})
		ctx, cancel := context.WithCancel(context.Background())
		stopped := r.a.Start(ctx)
		synctest.Wait() // the worker is parked

		release := r.p.Block(refB)
		defer release()
		inDone, proceed := make(chan Outcome, 1), make(chan struct{})
		r.a.Submit(context.Background(), intent(Scaler, refB, 1, 2), func(o Outcome) { inDone <- o; <-proceed })
		synctest.Wait()
		behind := r.submit(intent(Idler, refB, 1, 0)) // queued behind the held call
		cancel()                                      // the leadership term ends…
		if o := <-inDone; o.Code != CodeError {
			t.Fatalf("held call cancelled with the pool: %s (%s)", o.Code, o.Reason)
		}
		// …and, before the worker has left, a proposal made on the current
		// view arrives.
		late := r.submit(intent(Idler, refA, 1, 0))
		close(proceed)
		<-stopped
		for name, ch := range map[string]<-chan Outcome{"submitted as the pool stopped": late, "queued behind the cancelled call": behind} {
			select {
			case o := <-ch:
				if o.Code != CodeStopped || o.Reason != "the worker pool stopped before it ran" {
					t.Errorf("intent %s: %s (%s); want stopped", name, o.Code, o.Reason)
				}
			default:
				t.Errorf("intent %s: no outcome when Start's channel closed", name)
			}
		}

		// An hour later this replica leads again: nothing of the last term
		// is applied.
		time.Sleep(time.Hour)
		ctx2, cancel2 := context.WithCancel(context.Background())
		stopped2 := r.a.Start(ctx2)
		synctest.Wait()
		if a, b := r.replicas(refA), r.replicas(refB); a != 1 || b != 1 {
			t.Errorf("after the next Start: replicas a %d, b %d; want 1, 1 (last term's intents applied)", a, b)
		}
		cancel2()
		<-stopped2

		// Stopped, Submit runs inline again, as before Start.
		var got []Outcome
		r.a.Submit(context.Background(), intent(Scaler, refA, 1, 3), func(o Outcome) { got = append(got, o) })
		if len(got) != 1 || got[0].Code != CodeApplied {
			t.Errorf("Submit after the pool stopped: %+v; want applied inline", got)
		}
	})
}

// The same window left to the scheduler, as a leadership term's end meets a
// proposal: Submit right after the pool's context is cancelled, 20 times.
// Whichever way it falls (queued for the leaving workers, or inline once the
// pool has stopped), the intent has its outcome by the time Start's channel
// is closed, and nothing of it is left for the next Start an hour later.
//
// Seen failing before the fix (found by a review): stop_test.go:121: 15 of 20 intents submitted as the pool stopped had no outcome when Start's channel closed (done never called); 15 of them were applied an hour later, at the next Start, scaling the function to 0 on an hour-old view
func TestIntentSubmittedAsPoolStopsIsNotLeftForNextStart(t *testing.T) {
	const trials = 20
	stranded, staleApplied := 0, 0
	for range trials {
		synctest.Test(t, func(t *testing.T) {
			r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
			ctx, cancel := context.WithCancel(context.Background())
			stopped := r.a.Start(ctx)
			synctest.Wait() // the workers are parked
			cancel()        // the leadership term ends…
			// …and a proposal made on the current view arrives meanwhile.
			ch := r.submit(intent(Idler, refA, 1, 0))
			<-stopped
			select {
			case o := <-ch:
				if o.Code != CodeStopped && o.Code != CodeApplied { // applied: inline, the pool had stopped
					t.Errorf("outcome %s (%s); want stopped, or applied inline", o.Code, o.Reason)
				}
				return
			default:
			}
			stranded++
			time.Sleep(time.Hour)
			ctx2, cancel2 := context.WithCancel(context.Background())
			stopped2 := r.a.Start(ctx2)
			synctest.Wait()
			if r.replicas(refA) == 0 {
				staleApplied++
			}
			cancel2()
			<-stopped2
		})
	}
	if stranded > 0 {
		t.Errorf("%d of %d intents submitted as the pool stopped had no outcome when Start's channel closed (done never called); "+
			"%d of them were applied an hour later, at the next Start, scaling the function to 0 on an hour-old view",
			stranded, trials, staleApplied)
	}
}
