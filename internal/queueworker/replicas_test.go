package queueworker_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/internal/queueworker"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// blocking holds every call until release is closed.
type blocking struct {
	mu      sync.Mutex
	running int
	release chan struct{}
}

func (b *blocking) Invoke(ctx context.Context, _ provider.Ref, _ http.Header, _ []byte) int {
	b.mu.Lock()
	b.running++
	b.mu.Unlock()
	select {
	case <-b.release:
		return http.StatusOK
	case <-ctx.Done():
		return http.StatusBadGateway
	}
}

func (b *blocking) n() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running
}

func gauge(reg *prometheus.Registry, name string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// TestPendingAcrossWorkerReplicas: queue_worker_pending_messages is the
// function's backlog as every worker replica sees it -- "every worker replica
// reports the same backlog" (reference/async-packaging-faults.md:14-15), the
// docs' "messages waiting to be processed" -- and
// queue_worker_function_invocation_inflight is each replica's own running
// calls. That is what the controller's queue load assumes:
// avg by (function_name)(pending) + sum by (function_name)(inflight)
// (metricsource/prometheus/queries.go queueLevel, rules/recording.go).
// A pending that also held num_ack_pending (less the replica's own running)
// would count the other replicas' running calls twice: (r−1)·k too many with
// r replicas running k each.
//
// Hand count: 10 messages, two workers on the one durable consumer, each
// with 1 ready replica × MaxInflight 2, calls held. Each worker runs 2, so
// 4 run and 6 wait. Want each worker's pending = 6 and inflight = 2, so
// avg(pending) + sum(inflight) = 6 + 4 = 10, the backlog (not 8 + 4 = 12).
func TestPendingAcrossWorkerReplicas(t *testing.T) {
	nc, pub, ctx := startQueue(t)
	inv := &blocking{release: make(chan struct{})}
	defer close(inv.release)
	var regs [2]*prometheus.Registry
	for i := range regs {
		regs[i] = prometheus.NewRegistry()
		w, err := queueworker.New(queueworker.Config{Conn: nc, Invoker: inv, MaxInflight: 2, AckWait: time.Minute,
			MetricsEvery: 50 * time.Millisecond, Ready: func(provider.Ref) int { return 1 }, Registerer: regs[i]})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	const n = 10
	for range n {
		if _, err := pub.PublishAsync(ctx, fn, gatewaysim.AsyncRequest{Body: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "4 calls running (2 per worker)", func() bool { return inv.n() == 4 })
	var p, f [2]float64
	deadline := time.Now().Add(5 * time.Second)
	for {
		for i, reg := range regs {
			p[i], f[i] = gauge(reg, "queue_worker_pending_messages"), gauge(reg, "queue_worker_function_invocation_inflight")
		}
		if p == [2]float64{6, 6} && f == [2]float64{2, 2} {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	level := (p[0]+p[1])/2 + f[0] + f[1]
	t.Errorf("two worker replicas, 4 of 10 messages running: pending %v, inflight %v; want pending [6 6], inflight [2 2]: "+
		"avg(pending)+sum(inflight) = %v, want the backlog %d", p, f, level, n)
}
