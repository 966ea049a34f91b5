package queueworker_test

import (
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview50ConcurrentAddConsumesOnce: "Adding a function twice does
// nothing" holds only for Adds one after the other. Add checks w.fns under
// the lock, releases it for CreateOrUpdateConsumer (a server round trip),
// and stores its fnWorker after: two Adds at once both pass the check, both
// start a consume loop (each with its own running count) and the second
// fnWorker replaces the first in the map. The function then runs up to
// twice Ready × MaxInflight messages at once, and Pause reaches only the
// fnWorker in the map: the other keeps taking messages of a paused
// function. Here one ready replica with MaxInflight 1, paused right after
// the two Adds: no message may run.
func TestReview50ConcurrentAddConsumesOnce(t *testing.T) {
	nc, pub, ctx := startQueue(t)
	inv := &blocking{release: make(chan struct{})}
	t.Cleanup(func() { close(inv.release) })
	w, err := queueworker.New(queueworker.Config{Conn: nc, Invoker: inv, MaxInflight: 1,
		Ready: func(provider.Ref) int { return 1 }})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			<-start
			errs[i] = w.Add(ctx, fn)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.Pause(fn, true)
	for range 3 {
		if _, err := pub.PublishAsync(ctx, fn, gatewaysim.AsyncRequest{Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	// A paused worker takes nothing; one second is 50 polls of its loop.
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if n := inv.n(); n > 0 {
			t.Fatalf("%d message(s) of %s running while it is paused (Added twice at once: a second consume loop Pause does not reach)", n, fn)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if b, err := w.Backlog(ctx, fn); err != nil || b != 3 {
		t.Fatalf("backlog %d, %v; want the 3 messages waiting", b, err)
	}
}
