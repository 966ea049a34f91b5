package flight

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestDoSharesACallAndHonoursEachContext: a caller arriving during a call
// gets its answer without a call of its own; a waiter whose context ends
// returns at once with its error; a call whose caller gave up answers no
// one else, and the waiters call again.
//
// Seen failing with the waiters taking a cancelled call's answer: "the
// waiter after a cancelled call: context canceled".
func TestDoSharesACallAndHonoursEachContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Group[int]
		var calls atomic.Int32
		slow := func(ctx context.Context) (int, error) {
			n := calls.Add(1)
			select {
			case <-time.After(time.Second):
				return int(n), nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		type answer struct {
			v   int
			err error
		}
		do := func(ctx context.Context) chan answer {
			ch := make(chan answer, 1)
			go func() { v, err := g.Do(ctx, slow); ch <- answer{v, err} }()
			synctest.Wait()
			return ch
		}
		// Shared: two callers, one call.
		a, b := do(t.Context()), do(t.Context())
		if ra, rb := <-a, <-b; ra.v != 1 || rb.v != 1 || calls.Load() != 1 {
			t.Fatalf("two callers at once: %v and %v after %d calls, want both the one call's answer", ra, rb, calls.Load())
		}
		// A waiter's own context.
		first := do(t.Context())
		ctx, cancel := context.WithCancel(t.Context())
		waiter := do(ctx)
		cancel()
		if r := <-waiter; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("a waiter cancelled while another's call runs: %v, want its context's error at once", r)
		}
		<-first
		// A call whose caller gave up answers no one else.
		ctx, cancel = context.WithCancel(t.Context())
		giver := do(ctx)
		after := do(t.Context())
		cancel()
		if r := <-giver; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("the cancelled caller: %v", r)
		}
		if r := <-after; r.err != nil || r.v != int(calls.Load()) {
			t.Fatalf("the waiter after a cancelled call: %v (calls %d), want the answer of a call of its own", r, calls.Load())
		}
	})
}
