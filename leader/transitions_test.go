package leader

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// TestHandoverCountsATransition: leaseTransitions is "the number of
// transitions of a lease between holders" (coordination.k8s.io/v1), and
// client-go's elector, whose protocol doc.go says this one follows, adds one
// whenever a replica that was not the leader acquires the Lease, a released
// one included. A graceful handover (a releasing its Lease on shutdown, b
// taking it) left leaseTransitions at 0: claim() counted a transition only
// when the previous holder was not empty, and release() had just emptied
// it. Every rolling update of the chart's Deployment hands over this way.
// The Lease's creation counts none. Found by a review helper.
func TestHandoverCountsATransition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		var log workLog
		start := func(id string) (e *Elector, stop func()) {
			e, err := New(Config{Client: mem, Namespace: "openfaas", Identity: id, OnStartedLeading: log.run(id)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = e.Run(ctx); close(done) }()
			return e, func() { cancel(); <-done }
		}
		a, stopA := start("a")
		synctest.Wait()
		if !a.IsLeader() {
			t.Fatal("a, alone, does not lead")
		}
		if l, err := mem.GetLease(context.Background(), "openfaas", DefaultLeaseName); err != nil || ptr.Deref(l.Spec.LeaseTransitions, -1) != 0 {
			t.Fatalf("the Lease a created: %v, %+v; want leaseTransitions 0", err, l)
		}
		b, stopB := start("b")
		defer stopB()
		time.Sleep(10 * time.Second)
		stopA() // graceful: a releases the Lease
		time.Sleep(10 * time.Second)
		if !b.IsLeader() {
			t.Fatal("b did not take over after a released the Lease")
		}
		l, err := mem.GetLease(context.Background(), "openfaas", DefaultLeaseName)
		if err != nil {
			t.Fatal(err)
		}
		holder, transitions := ptr.Deref(l.Spec.HolderIdentity, ""), ptr.Deref(l.Spec.LeaseTransitions, 0)
		if holder != "b" || transitions != 1 {
			t.Errorf("after a handed the Lease over to b: holder %q, leaseTransitions %d; want holder \"b\", leaseTransitions 1",
				holder, transitions)
		}
	})
}
