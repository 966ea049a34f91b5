package leader

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// cutOff is the leader's side of a network partition: once cut, its
// requests hang until their context ends.
type cutOff struct {
	kubeapi.Leases
	cut *atomic.Bool
}

func (c cutOff) GetLease(ctx context.Context, ns, name string) (*coordinationv1.Lease, error) {
	if c.cut.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return c.Leases.GetLease(ctx, ns, name)
}

func (c cutOff) UpdateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	if c.cut.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return c.Leases.UpdateLease(ctx, l)
}

// slowFirstRead is the follower's client: its first read of the Lease takes
// 9.9 s to come back (a loaded API server, a slow link; within RenewDeadline,
// which bounds an attempt), and returns the Lease as it is at the end of
// that wait. Right after that read the leader is cut off.
type slowFirstRead struct {
	kubeapi.Leases
	done *atomic.Bool
	cut  *atomic.Bool
}

func (s slowFirstRead) GetLease(ctx context.Context, ns, name string) (*coordinationv1.Lease, error) {
	if !s.done.Swap(true) {
		time.Sleep(9900 * time.Millisecond)
		l, err := s.Leases.GetLease(ctx, ns, name)
		s.cut.Store(true)
		return l, err
	}
	return s.Leases.GetLease(ctx, ns, name)
}

// A follower counts a Lease record as seen from when its read returned, not
// from when the read was sent: a record read at the end of a slow GetLease
// (9.9 s here, within RenewDeadline, which bounds an attempt) was not there
// when the read began, and counting it from then would have the follower
// declare the lease expired that much early and take it while the old
// leader's watchdog (RenewDeadline after its last renewal) has not yet
// stopped its work: two replicas writing replicas at once. client-go stamps
// the observation after the read too.
//
// Seen failing before the fix (found by a review): a worked
// 2000-01-01 00:00:00 +0000 UTC–2000-01-01 00:00:22.5 +0000 UTC while b
// worked 2000-01-01 00:00:18.649489297 +0000 UTC–2000-01-01 00:01:02.2 +0000 UTC
func TestSlowReadDoesNotAgeTheLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		var cut, firstDone atomic.Bool
		var log workLog
		start := func(c kubeapi.Leases, id string) (stop func()) {
			e, err := New(Config{Client: c, Namespace: "openfaas", Identity: id, OnStartedLeading: log.run(id)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { _ = e.Run(ctx); close(done) }()
			return func() { cancel(); <-done }
		}
		stopA := start(cutOff{Leases: mem, cut: &cut}, "a")
		synctest.Wait()
		time.Sleep(2200 * time.Millisecond) // a leads; it renews every 2 s, the last time at 12 s
		stopB := start(slowFirstRead{Leases: mem, done: &firstDone, cut: &cut}, "b")
		time.Sleep(60 * time.Second)
		stopB()
		stopA()
		terms := log.snapshot()
		for _, tm := range terms {
			t.Logf("%s worked %s – %s", tm.who, tm.start.Format("15:04:05.000"), tm.end.Format("15:04:05.000"))
		}
		checkNoOverlap(t, terms)
	})
}
