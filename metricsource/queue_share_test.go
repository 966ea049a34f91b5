package metricsource_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// slowQueue answers after a second, or fails with its caller's context.
type slowQueue struct{ calls atomic.Int32 }

func (q *slowQueue) Queued(ctx context.Context) (metricsource.Values, error) {
	q.calls.Add(1)
	select {
	case <-time.After(time.Second):
		return metricsource.Values{provider.Ref{Name: "a", Namespace: "openfaas-fn"}: 3}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestQueueReadSharedUnlessItsCallerGaveUp: callers at once share one read
// of the queue; a caller waiting on another's read that its caller gave up
// (its context ended) does not take that cancellation for its answer: it
// reads for itself.
//
// Seen failing with the waiter returning the cancelled read's error: "the
// waiter: …context canceled, want the backlog".
func TestQueueReadSharedUnlessItsCallerGaveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := &slowQueue{}
		src := metricsource.WithQueue(&fakeBase{}, q, time.Second, time.Now)
		lq := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { _, err := src.Load(ctx, lq); first <- err }()
		synctest.Wait() // the first read is under way
		type answer struct {
			v   metricsource.Values
			err error
		}
		second := make(chan answer, 1)
		go func() { v, err := src.Load(context.Background(), lq); second <- answer{v, err} }()
		synctest.Wait()
		if n := q.calls.Load(); n != 1 {
			t.Fatalf("two callers at once made %d reads, want one shared", n)
		}
		cancel()
		if err := <-first; err == nil {
			t.Fatal("the cancelled caller: no error")
		}
		a := <-second
		if a.err != nil || a.v[provider.Ref{Name: "a", Namespace: "openfaas-fn"}] != 3 {
			t.Fatalf("the waiter: %v %v, want the backlog", a.v, a.err)
		}
		if n := q.calls.Load(); n != 2 {
			t.Fatalf("reads: %d, want 2 (the waiter's own after the cancelled one)", n)
		}
	})
}
