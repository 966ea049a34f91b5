package queueworker_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

var fn = provider.Ref{Name: "f", Namespace: "openfaas-fn"}

// flaky fails every call id's first attempt with 503 and records successes.
type flaky struct {
	mu    sync.Mutex
	tries map[string]int
	done  map[string]int
}

func (f *flaky) Invoke(_ context.Context, _ provider.Ref, h http.Header, _ []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := h.Get(queueworker.HeaderCallID)
	f.tries[id]++
	if f.tries[id] == 1 {
		return http.StatusServiceUnavailable
	}
	f.done[id]++
	return http.StatusOK
}

// startQueue starts a nats-server with the OpenFaaS stream and a publisher
// on it, all stopped when the test ends; ctx ends then too.
func startQueue(t *testing.T) (*nats.Conn, *queueworker.Publisher, context.Context) {
	t.Helper()
	srv := teststack.StartNATS(t)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := queueworker.EnsureStream(ctx, js, queueworker.Queue{}); err != nil {
		t.Fatal(err)
	}
	pub, err := queueworker.NewPublisher(nc, queueworker.Queue{})
	if err != nil {
		t.Fatal(err)
	}
	return nc, pub, ctx
}

// TestWorker: with no ready replica nothing is taken and the backlog is
// exported as pending; once ready, every message runs, a failed call is
// redelivered, and each is acknowledged exactly once.
func TestWorker(t *testing.T) {
	nc, pub, ctx := startQueue(t)
	var ready atomic.Int64
	inv := &flaky{tries: map[string]int{}, done: map[string]int{}}
	reg := prometheus.NewRegistry()
	w, err := queueworker.New(queueworker.Config{Conn: nc, Invoker: inv, MaxInflight: 5, Retry: 50 * time.Millisecond,
		MetricsEvery: 50 * time.Millisecond, Ready: func(provider.Ref) int { return int(ready.Load()) }, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(ctx, fn); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for range n {
		if _, err := pub.PublishAsync(ctx, fn, gatewaysim.AsyncRequest{Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "pending exported", func() bool {
		return pending(reg) == n
	})
	time.Sleep(200 * time.Millisecond)
	if b, _ := w.Backlog(ctx, fn); b != n || len(inv.tries) != 0 {
		t.Fatalf("at zero: backlog %d, %d calls; want %d waiting, none called", b, len(inv.tries), n)
	}
	ready.Store(2)
	waitFor(t, "all processed", func() bool { return w.Processed(fn) == n })
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if len(inv.done) != n {
		t.Fatalf("%d distinct messages ran, want %d", len(inv.done), n)
	}
	for id, c := range inv.done {
		if c != 1 || inv.tries[id] != 2 {
			t.Fatalf("message %s: %d successes in %d tries, want 1 in 2", id, c, inv.tries[id])
		}
	}
	if b, _ := w.Backlog(ctx, fn); b != 0 {
		t.Fatalf("backlog %d after the drain", b)
	}
}

// pending reads the exported queue_worker_pending_messages (-1: absent).
func pending(reg *prometheus.Registry) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "queue_worker_pending_messages" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
