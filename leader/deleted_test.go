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

// deletedBeforeRead is a follower's client on which, once armed, the Lease
// is deleted (`kubectl delete lease`) just before the follower's next read:
// the follower is the first to see it gone, before the leader's next
// renewal.
type deletedBeforeRead struct {
	*kubeapi.MemoryLeases
	armed atomic.Bool
}

func (d *deletedBeforeRead) GetLease(ctx context.Context, ns, name string) (*coordinationv1.Lease, error) {
	if d.armed.Swap(false) {
		if err := d.DeleteLease(ctx, ns, name); err != nil {
			return nil, err
		}
	}
	return d.MemoryLeases.GetLease(ctx, ns, name)
}

// TestADeletedLeaseIsNoVacancy: an operator deletes the Lease (to force a
// failover, or in a clean-up) while a leader works. A follower that saw that
// leader renew must not create a new Lease and start working at once: the
// leader is still working and only finds out at its next renewal, up to
// RetryPeriod later, so both would scale. The follower holds the last record
// it saw to its duration, as if the Lease were still there; the leader, still
// alive, re-creates it at its next renewal and keeps leading. client-go's
// elector creates at once.
//
// Seen failing before the fix (the overlap varies with the jitter, up to
// RetryPeriod):
// a worked 2000-01-01 00:00:00 +0000 UTC–2000-01-01 01:00:02 +0000 UTC while
// b worked 2000-01-01 01:00:01.529986359 +0000 UTC–0001-01-01 00:00:00 +0000 UTC
func TestADeletedLeaseIsNoVacancy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		var log workLog
		start := func(c kubeapi.Leases, id string) *Elector {
			e, _ := runElector(t, Config{Client: c, Namespace: "openfaas", Identity: id, OnStartedLeading: log.run(id)})
			return e
		}
		a := start(mem, "a")
		synctest.Wait()
		bClient := &deletedBeforeRead{MemoryLeases: mem}
		b := start(bClient, "b")
		time.Sleep(time.Hour) // b follows a for a while
		if !a.IsLeader() || b.IsLeader() || b.Leader() != "a" {
			t.Fatalf("before the deletion: a leads %v, b leads %v, b sees %q", a.IsLeader(), b.IsLeader(), b.Leader())
		}

		bClient.armed.Store(true)
		time.Sleep(time.Minute)
		checkNoOverlap(t, log.snapshot())
		if !a.IsLeader() || b.IsLeader() {
			t.Errorf("a minute after the deletion: a leads %v, b leads %v; want a, alive and renewing, still the leader",
				a.IsLeader(), b.IsLeader())
		}
		if _, err := mem.GetLease(context.Background(), "openfaas", DefaultLeaseName); err != nil {
			t.Errorf("the Lease was not re-created: %v", err)
		}
	})
}

// TestADeletedLeaseOfADeadLeaderIsTakenWhenItsRecordExpires: when nobody
// re-creates the deleted Lease (its leader is gone too), a follower takes
// it once the record it last saw would have expired, not never. Seen failing
// before the fix: "b held true, lost false on a deleted lease whose holder's
// record is 5s old; want it left alone".
func TestADeletedLeaseOfADeadLeaderIsTakenWhenItsRecordExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		ctx := context.Background()
		newElector := func(id string) *Elector {
			e, err := New(Config{Client: mem, Namespace: "openfaas", Identity: id,
				OnStartedLeading: func(context.Context) {}})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		a, b := newElector("a"), newElector("b")
		if held, _, err := a.tryAcquireOrRenew(ctx); !held {
			t.Fatalf("a did not take the free lease: %v", err)
		}
		if held, lost, _ := b.tryAcquireOrRenew(ctx); held || !lost {
			t.Fatalf("b held %v, lost %v on a's live lease", held, lost)
		}
		seen := time.Now()
		time.Sleep(5 * time.Second)
		if err := mem.DeleteLease(ctx, "openfaas", DefaultLeaseName); err != nil {
			t.Fatal(err)
		}
		if held, lost, _ := b.tryAcquireOrRenew(ctx); held || !lost {
			t.Errorf("b held %v, lost %v on a deleted lease whose holder's record is %s old; want it left alone",
				held, lost, time.Since(seen))
		}
		time.Sleep(time.Until(seen.Add(DefaultLeaseDuration)))
		if held, _, err := b.tryAcquireOrRenew(ctx); !held {
			t.Errorf("b did not take a deleted lease whose holder's record expired: %v", err)
		}
		// A replica that never saw a holder (the first start) creates the
		// Lease at once.
		if err := mem.DeleteLease(ctx, "openfaas", DefaultLeaseName); err != nil {
			t.Fatal(err)
		}
		if held, _, err := newElector("c").tryAcquireOrRenew(ctx); !held {
			t.Errorf("a fresh replica did not create the missing lease: %v", err)
		}
	})
}
