package leader

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
)

// The tests of faas_autoscaler_leader_lease_held, the gauge that lets
// FaasAutoscalerNoLeader tell a leader Prometheus does not scrape from no
// leader at all: a follower reads 1 while it sees a holder renew, 0 once
// that holder's term has expired or once it cannot read the Lease.

// refusing is a replica's client with RBAC refusing, while set, its reads
// (get) or its writes (create, update) of the Lease.
type refusing struct {
	kubeapi.Leases
	reads, writes atomic.Bool
}

var errRBAC = errors.New(`cannot get resource "leases" in API group "coordination.k8s.io"`)

func (r *refusing) GetLease(ctx context.Context, ns, name string) (*coordinationv1.Lease, error) {
	if r.reads.Load() {
		return nil, apierrors.NewForbidden(coordinationv1.Resource("leases"), name, errRBAC)
	}
	return r.Leases.GetLease(ctx, ns, name)
}

func (r *refusing) CreateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	if r.writes.Load() {
		return nil, apierrors.NewForbidden(coordinationv1.Resource("leases"), l.Name, errRBAC)
	}
	return r.Leases.CreateLease(ctx, l)
}

func (r *refusing) UpdateLease(ctx context.Context, l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	if r.writes.Load() {
		return nil, apierrors.NewForbidden(coordinationv1.Resource("leases"), l.Name, errRBAC)
	}
	return r.Leases.UpdateLease(ctx, l)
}

// renewAs writes the Lease as a replica outside the test would: holder,
// for d, renewed at renewed (that replica's clock).
func renewAs(mem *kubeapi.MemoryLeases, holder string, d time.Duration, renewed time.Time) error {
	ctx := context.Background()
	l, err := mem.GetLease(ctx, "openfaas", DefaultLeaseName)
	if apierrors.IsNotFound(err) {
		l, err = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "openfaas", Name: DefaultLeaseName}}, nil
	}
	if err != nil {
		return err
	}
	rt := metav1.NewMicroTime(renewed)
	l.Spec.HolderIdentity = ptr.To(holder)
	l.Spec.LeaseDurationSeconds = ptr.To(int32(d / time.Second))
	l.Spec.AcquireTime, l.Spec.RenewTime = &rt, &rt
	if l.ResourceVersion == "" {
		_, err = mem.CreateLease(ctx, l)
	} else {
		_, err = mem.UpdateLease(ctx, l)
	}
	return err
}

// startHeld runs an elector id on c, leading until stopped, until the test
// ends.
func startHeld(t *testing.T, c kubeapi.Leases, id string) (e *Elector, stop func()) {
	t.Helper()
	return runElector(t, Config{Client: c, Namespace: "openfaas", Identity: id,
		OnStartedLeading: func(ctx context.Context) { <-ctx.Done() }})
}

// runElector runs an elector of cfg until stop or the end of the test.
func runElector(t *testing.T, cfg Config) (e *Elector, stop func()) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	stop = func() { cancel(); <-done } // twice is harmless: done is closed
	t.Cleanup(stop)
	return e, stop
}

func held(e *Elector) float64 { return testutil.ToFloat64(e.metrics.held) }

// expectHeld samples e's lease_held every half second for d (virtual time),
// failing at the first value other than want.
func expectHeld(t *testing.T, e *Elector, want float64, d time.Duration, what string) {
	t.Helper()
	start := time.Now()
	for end := start.Add(d); !time.Now().After(end); time.Sleep(500 * time.Millisecond) {
		if got := held(e); got != want {
			t.Fatalf("%s: %s's lease_held = %v at +%v, want %v", what, e.Identity(), got, time.Since(start), want)
		}
	}
}

// A leader reads 1, and so does a follower that sees it renew (the leader
// unscraped, the follower tells Prometheus a holder stands); once the leader
// has released the Lease on shutdown it reads 0, and the follower that took
// over reads 1.
func TestLeaseHeldByLeaderAndFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		a, stopA := startHeld(t, mem, "a")
		synctest.Wait()
		if !a.IsLeader() || held(a) != 1 {
			t.Fatalf("a leads %v, lease_held %v; want true, 1", a.IsLeader(), held(a))
		}
		b, _ := startHeld(t, mem, "b")
		synctest.Wait()
		expectHeld(t, a, 1, time.Minute, "the leader")
		expectHeld(t, b, 1, time.Minute, "a follower seeing the leader renew")
		if b.IsLeader() {
			t.Fatal("b took the lease from a live leader")
		}

		stopA()
		if got := held(a); got != 0 {
			t.Errorf("a's lease_held = %v after it released the Lease, want 0", got)
		}
		time.Sleep(time.Duration((1 + jitterFactor) * float64(DefaultRetryPeriod)))
		synctest.Wait()
		if !b.IsLeader() || held(b) != 1 {
			t.Errorf("after a's release: b leads %v, lease_held %v; want true, 1", b.IsLeader(), held(b))
		}
	})
}

// A follower that cannot take the lease (writes refused) watches a holder
// outside the test renew every RenewDeadline, the latest a live leader
// renews, its renewTime an hour behind (that replica's clock runs behind):
// held all along, since expiry is judged on the follower's clock from when
// it saw the record change, as the election judges it. Once the holder
// stops renewing, held until the record's duration has passed since the
// follower saw it, and 0 by the follower's next poll after that.
func TestLeaseHeldUntilTheHolderExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		behind := func() {
			if err := renewAs(mem, "x", DefaultLeaseDuration, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		behind()
		c := &refusing{Leases: mem}
		c.writes.Store(true)
		b, _ := startHeld(t, c, "b")
		synctest.Wait()
		for range 6 {
			expectHeld(t, b, 1, DefaultRenewDeadline-time.Millisecond, "x renewing late, its clock behind")
			time.Sleep(time.Millisecond)
			behind()
		}
		expectHeld(t, b, 1, DefaultLeaseDuration-100*time.Millisecond, "x's last record, not yet expired")
		// b saw the last record up to a poll after it was written, and
		// judges it expired at its first poll a duration after that.
		maxPoll := time.Duration((1 + jitterFactor) * float64(DefaultRetryPeriod))
		time.Sleep(2*maxPoll + 100*time.Millisecond)
		expectHeld(t, b, 0, time.Minute, "x's record expired")
		if b.IsLeader() {
			t.Fatal("b leads without being able to write the Lease")
		}
	})
}

// A follower whose reads are refused (RBAC, the API server down) holds no
// proof of a holder: it reads 0 within its own lease duration of its last
// read, though the record it last saw runs for a minute and its holder keeps
// renewing (missing is not held). One refused from the start reads 0.
func TestLeaseHeldNotWhenUnreadable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		const long = time.Minute
		if err := renewAs(mem, "x", long, time.Now()); err != nil {
			t.Fatal(err)
		}
		c := &refusing{Leases: mem}
		b, _ := startHeld(t, c, "b")
		never := &refusing{Leases: mem}
		never.reads.Store(true)
		n, _ := startHeld(t, never, "n")
		renewing := make(chan struct{})
		go func() {
			defer close(renewing)
			for range 60 {
				time.Sleep(DefaultRetryPeriod)
				if err := renewAs(mem, "x", long, time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		synctest.Wait()
		expectHeld(t, b, 1, 20*time.Second, "reading x's renewals")
		expectHeld(t, n, 0, 20*time.Second, "never able to read the Lease")

		c.reads.Store(true)
		refused := time.Now()
		time.Sleep(DefaultLeaseDuration)
		expectHeld(t, b, 0, time.Minute, "reads refused since "+refused.Format(time.TimeOnly))
		<-renewing
	})
}

// A follower that sees the leader renew reads 1 throughout, whatever the
// valid timings: its polls may be up to (1 + jitter) × RetryPeriod apart,
// longer than LeaseDuration (lease 11 s, renew deadline 10 s, retry period
// 8 s: polls up to 17.6 s apart), and between two polls the election has
// judged nothing expired. Expiry is judged at the follower's reads, as the
// election judges it; a gap between reads is no lost holder.
//
// Seen failing before the fix: b's lease_held = 0 at +11s to +31.5s in 8
// runs (its holder renewing every 8 s), as now − seenAt passed 11 s
// between two of its polls.
func TestLeaseHeldBetweenFarApartPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := &kubeapi.MemoryLeases{}
		start := func(id string) *Elector {
			e, _ := runElector(t, Config{Client: mem, Namespace: "openfaas", Identity: id,
				LeaseDuration: 11 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 8 * time.Second,
				OnStartedLeading: func(ctx context.Context) { <-ctx.Done() }})
			return e
		}
		a := start("a")
		synctest.Wait()
		b := start("b")
		synctest.Wait()
		if !a.IsLeader() || b.IsLeader() {
			t.Fatalf("a leads %v, b leads %v; want a alone", a.IsLeader(), b.IsLeader())
		}
		expectHeld(t, b, 1, 5*time.Minute, "a follower polling up to 17.6 s apart, the leader renewing every 8 s")
		if !a.IsLeader() || b.IsLeader() {
			t.Fatalf("after 5 minutes: a leads %v, b leads %v; want a alone", a.IsLeader(), b.IsLeader())
		}
	})
}
