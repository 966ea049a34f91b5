package leader

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	k8stesting "k8s.io/client-go/testing"
)

// workLog records each replica's terms of work on the (virtual) clock, so a
// test can check that no two overlap.
type workLog struct {
	mu    sync.Mutex
	terms []workTerm
}

type workTerm struct {
	who        string
	start, end time.Time // end is zero while running
}

func (w *workLog) run(who string) func(ctx context.Context) {
	return func(ctx context.Context) {
		w.mu.Lock()
		i := len(w.terms)
		w.terms = append(w.terms, workTerm{who: who, start: time.Now()})
		w.mu.Unlock()
		<-ctx.Done()
		w.mu.Lock()
		w.terms[i].end = time.Now()
		w.mu.Unlock()
	}
}

func (w *workLog) snapshot() []workTerm {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]workTerm(nil), w.terms...)
}

// checkNoOverlap fails when two terms of different replicas overlap in time.
func checkNoOverlap(t *testing.T, terms []workTerm) {
	t.Helper()
	for i, a := range terms {
		for _, b := range terms[i+1:] {
			if a.who == b.who {
				continue
			}
			aEnd, bEnd := a.end, b.end
			if aEnd.IsZero() {
				aEnd = time.Unix(1<<40, 0)
			}
			if bEnd.IsZero() {
				bEnd = time.Unix(1<<40, 0)
			}
			if a.start.Before(bEnd) && b.start.Before(aEnd) {
				t.Errorf("%s worked %v–%v while %s worked %v–%v", a.who, a.start, a.end, b.who, b.start, b.end)
			}
		}
	}
}

// replica is one elector running in the background.
type replica struct {
	e    *Elector
	stop context.CancelFunc
	done chan error
}

func startReplica(t *testing.T, client *fake.Clientset, id string, work func(context.Context)) *replica {
	t.Helper()
	e, err := New(Config{Client: kubeapitest.From(client), Namespace: "openfaas", Identity: id, OnStartedLeading: work})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{e: e, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

func TestGracefulHandover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset()
		var log workLog
		a := startReplica(t, client, "a", log.run("a"))
		synctest.Wait()
		if !a.e.IsLeader() {
			t.Fatal("the only replica did not become leader")
		}
		b := startReplica(t, client, "b", log.run("b"))
		time.Sleep(time.Minute) // a minute of renewals: leadership must not move
		if !a.e.IsLeader() || b.e.IsLeader() || b.e.Leader() != "a" {
			t.Fatalf("after a minute: a leads %v, b leads %v, b sees %q; want a only", a.e.IsLeader(), b.e.IsLeader(), b.e.Leader())
		}

		stopped := time.Now()
		a.stop()
		if err := <-a.done; err != nil {
			t.Fatalf("Run returned %v on shutdown", err)
		}
		a.done <- nil // for the cleanup
		if a.e.IsLeader() {
			t.Error("a still reports leading after Run returned")
		}
		// a released the lease, so b needs no LeaseDuration wait: its next
		// poll, at most RetryPeriod plus jitter away.
		maxPoll := time.Duration((1 + jitterFactor) * float64(DefaultRetryPeriod))
		for !b.e.IsLeader() {
			if time.Since(stopped) > maxPoll {
				t.Fatalf("b did not lead within %s of a's release", maxPoll)
			}
			time.Sleep(100 * time.Millisecond)
		}
		terms := log.snapshot()
		checkNoOverlap(t, terms)
		if len(terms) != 2 || terms[0].who != "a" || terms[1].who != "b" {
			t.Errorf("terms = %+v; want a then b", terms)
		}
	})
}

// A leader cut off from the API server (its requests hang, as on a network
// partition) must stop working before a follower may take over, even though
// client-go itself only notices when those requests finally fail.
func TestStuckLeaderStopsBeforeTakeover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset()
		// a talks to the same objects through its own client, which can hang.
		aClient := fake.NewClientset()
		var partitioned atomic.Bool
		shared := k8stesting.ObjectReaction(client.Tracker())
		aClient.PrependReactor("*", "*", func(act k8stesting.Action) (bool, runtime.Object, error) {
			if partitioned.Load() {
				time.Sleep(25 * time.Second) // longer than LeaseDuration
				return true, nil, errors.New("i/o timeout")
			}
			return shared(act)
		})
		var log workLog
		a := startReplica(t, aClient, "a", log.run("a"))
		synctest.Wait()
		b := startReplica(t, client, "b", log.run("b"))
		time.Sleep(10 * time.Second)
		if !a.e.IsLeader() || b.e.IsLeader() {
			t.Fatal("a should lead before the partition")
		}

		cut := time.Now()
		partitioned.Store(true)
		for !b.e.IsLeader() {
			if time.Since(cut) > time.Minute {
				t.Fatal("b never took over")
			}
			time.Sleep(100 * time.Millisecond)
		}
		tookOver := time.Since(cut)
		// b sees a's last renewal (before the cut) at its next poll, and takes
		// over at the first poll LeaseDuration after that; polls are
		// RetryPeriod apart plus up to jitterFactor×RetryPeriod of jitter.
		maxPoll := time.Duration((1 + jitterFactor) * float64(DefaultRetryPeriod))
		if limit := DefaultLeaseDuration + 2*maxPoll; tookOver > limit {
			t.Errorf("b took over %s after the partition; want within %s", tookOver, limit)
		}
		if a.e.IsLeader() {
			t.Error("a still reports leading after b took over")
		}
		terms := log.snapshot()
		checkNoOverlap(t, terms)
		if len(terms) < 2 || terms[0].end.IsZero() {
			t.Fatalf("terms = %+v; want a's term ended, then b's", terms)
		}
		if gap := terms[1].start.Sub(terms[0].end); gap <= 0 {
			t.Errorf("a stopped %s after b started", -gap)
		} else {
			t.Logf("a stopped %s after the partition, %s before b started", terms[0].end.Sub(cut), gap)
		}
	})
}

func TestWorkThatReturnsEndsTheTermAndStandsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset()
		var runs atomic.Int32
		a := startReplica(t, client, "a", func(ctx context.Context) {
			if runs.Add(1) == 1 {
				return // the first term's work gives up at once
			}
			<-ctx.Done()
		})
		// a won the empty lease, its work returned, it released the lease,
		// stood again, won again (alone) and runs its work a second time.
		synctest.Wait()
		if runs.Load() != 2 || !a.e.IsLeader() {
			t.Fatalf("runs %d, leading %v; want 2, true", runs.Load(), a.e.IsLeader())
		}
		if got := testutil.ToFloat64(a.e.metrics.terms); got != 2 {
			t.Errorf("terms_total = %v, want 2", got)
		}
		if got := testutil.ToFloat64(a.e.metrics.stops.WithLabelValues("work_returned")); got != 1 {
			t.Errorf(`a's stops_total{reason="work_returned"} = %v, want 1`, got)
		}
	})
}

func TestMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		e, err := New(Config{Client: kubeapitest.From(fake.NewClientset()), Namespace: "openfaas", Identity: "a",
			OnStartedLeading: func(ctx context.Context) { <-ctx.Done() }, Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- e.Run(ctx) }()
		synctest.Wait()
		if got := testutil.ToFloat64(e.metrics.isLeader); got != 1 {
			t.Errorf("is_leader = %v while leading, want 1", got)
		}
		cancel()
		<-done
		if got := testutil.ToFloat64(e.metrics.isLeader); got != 0 {
			t.Errorf("is_leader = %v after shutdown, want 0", got)
		}
		if got := testutil.ToFloat64(e.metrics.stops.WithLabelValues("shutdown")); got != 1 {
			t.Errorf(`stops_total{reason="shutdown"} = %v, want 1`, got)
		}
		if got := testutil.ToFloat64(e.metrics.terms); got != 1 {
			t.Errorf("terms_total = %v, want 1", got)
		}
		// A second elector on the same registry is refused, not a panic.
		_, err = New(Config{Client: kubeapitest.From(fake.NewClientset()), Namespace: "openfaas",
			OnStartedLeading: func(context.Context) {}, Registerer: reg})
		if err == nil {
			t.Error("a second Elector registered its metrics on the same registry")
		}
	})
}
