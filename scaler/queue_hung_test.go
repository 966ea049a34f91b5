package scaler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// hungQueue is a JetStream source whose server does not answer (a
// half-open TCP connection, an overloaded or leaderless JetStream, a
// SIGSTOPped nats-server): every read waits its whole --nats-timeout
// (jetstream.Source.Queued wraps the request in context.WithTimeout) and
// fails, as the real client did, with context deadline exceeded after 5 s.
type hungQueue struct {
	timeout time.Duration
	reads   atomic.Int64
}

func (h *hungQueue) Queued(ctx context.Context) (metricsource.Values, error) {
	h.reads.Add(1)
	t := time.NewTimer(h.timeout)
	defer t.Stop()
	select {
	case <-t.C:
		return nil, errors.New("list consumers of stream faas-request: context deadline exceeded")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hungQueueLoop is a loop over mem and base with the queue load from a
// hungQueue, wired as --nats-url wires it (cmd/faas-autoscaler/wire_nats.go:
// WithQueue(prometheus, jetstream, interval/5, now)), and its actuator
// running until the test ends.
func hungQueueLoop(t *testing.T, mem *memory.Provider, base metricsource.Source, interval time.Duration) (*scaler.Loop, *hungQueue) {
	t.Helper()
	const natsTimeout = 5 * time.Second // --nats-timeout default
	nats := &hungQueue{timeout: natsTimeout}
	src := metricsource.WithQueue(base, nats, interval/5, time.Now)
	ac := actuator.Default()
	ac.Provider = mem
	act, err := actuator.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := act.Start(ctx)
	t.Cleanup(func() { cancel(); <-done })
	loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: mem, Source: src, Actuator: act,
		Interval: interval, Defaults: scaler.DefaultDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	return loop, nats
}

func deployAll(t *testing.T, mem *memory.Provider, fns ...provider.Function) {
	t.Helper()
	for _, fn := range fns {
		if err := mem.Deploy(fn); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHungQueueCostsAPassOneRead: with NATS not answering, one scaler pass
// reads the queue once, bounded by --nats-timeout, before any function is
// decided, the rps one that a healthy Prometheus says needs a scale-up
// included; and the queue function keeps its replicas (missing, not zero).
//
// Seen failing before the fix: 3 queue reads, the pass took 15 s (the
// stable window, the burst window, as WithQueue did not reuse a failure,
// and backlogAtZero, which read again because the pass's read had failed).
func TestHungQueueCostsAPassOneRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 5 * time.Second // scaler.interval default
		mem := memory.New(clock.Real(), memory.Options{})
		q := provider.Ref{Name: "q", Namespace: "openfaas-fn"}
		idle := provider.Ref{Name: "idle", Namespace: "openfaas-fn"}
		hot := provider.Ref{Name: "hot", Namespace: "openfaas-fn"}
		deployAll(t, mem,
			provider.Function{Ref: q, Replicas: 2, Labels: map[string]string{scaler.LabelType: "queue"}},
			provider.Function{Ref: idle, Replicas: 0},
			provider.Function{Ref: hot, Replicas: 1})
		base := scalertest.NewSource()
		base.Set("rps", idle, 0)
		base.Set("rps", hot, 500) // far above one replica's target: needs a scale-up now
		loop, nats := hungQueueLoop(t, mem, base, interval)

		start := time.Now()
		if err := loop.Tick(t.Context(), start); err != nil {
			t.Fatal(err)
		}
		took, reads := time.Since(start), nats.reads.Load()
		if reads != 1 || took > 5*time.Second {
			t.Errorf("one scaler pass with NATS not answering: %d queue reads, pass took %s; want 1 read bounded by --nats-timeout 5s",
				reads, took)
		}
		synctest.Wait() // the actuator's writes
		if n := replicasOf(t, mem, q); n != 2 {
			t.Errorf("queue function with the queue unreadable → %d; want 2 kept", n)
		}
		if n := replicasOf(t, mem, hot); n <= 1 {
			t.Errorf("rps function at 500/s on 1 replica → %d; want a scale-up", n)
		}
	})
}

func replicasOf(t *testing.T, mem *memory.Provider, ref provider.Ref) uint64 {
	t.Helper()
	fn, err := mem.Function(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return fn.Replicas
}

// TestFailedQueueReadNotAskedAgainForTheBacklog: whatever the source, a
// pass whose own read of the queue load failed does not ask it again for
// the backlog of functions of another type at zero: the backlog is
// unknown, and the function at zero stays there (missing is no evidence
// of work).
//
// Seen failing before the fix: the queue's burst window was asked twice in
// the pass (the second time by backlogAtZero).
func TestFailedQueueReadNotAskedAgainForTheBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := memory.New(clock.Real(), memory.Options{})
		q := provider.Ref{Name: "q", Namespace: "openfaas-fn"}
		idle := provider.Ref{Name: "idle", Namespace: "openfaas-fn"}
		deployAll(t, mem,
			provider.Function{Ref: q, Replicas: 2, Labels: map[string]string{scaler.LabelType: "queue"}},
			provider.Function{Ref: idle, Replicas: 0})
		src := scalertest.NewSource()
		src.Set("rps", idle, 0)
		src.Fail("queue", errors.New("queue worker metrics: timeout"))
		ac := actuator.Default()
		ac.Provider = mem
		act, err := actuator.New(ac)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := act.Start(ctx)
		defer func() { cancel(); <-done }()
		loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: mem, Source: src, Actuator: act,
			Interval: 5 * time.Second, Defaults: scaler.DefaultDefaults()})
		if err != nil {
			t.Fatal(err)
		}
		if err := loop.Tick(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		asked := map[metricsource.LoadQuery]int{}
		for _, lq := range src.Queries() {
			if lq.Type == metricsource.TypeQueue {
				asked[lq]++
			}
		}
		for lq, n := range asked {
			if n > 1 {
				t.Errorf("queue load over %s asked %d times in one pass after it failed; want once", lq.Window, n)
			}
		}
		synctest.Wait()
		if n := replicasOf(t, mem, idle); n != 0 {
			t.Errorf("rps function at zero, backlog unknown → %d; want it left at 0", n)
		}
	})
}

// TestHungQueueAlertWakeDoesNotWait: an rps function at zero gets a firing
// alert with its load (a synchronous request waiting on a cold start). A
// firing alert wakes a function of another type at zero whatever its
// backlog (wakeFromZero), so the wake must not wait for the queue; with
// NATS not answering, every cold start of every function, none of them
// async, was one --nats-timeout longer because --nats-url was set.
//
// Seen failing before the fix: → 1 replica after 5 s (1 queue read).
func TestHungQueueAlertWakeDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := memory.New(clock.Real(), memory.Options{})
		cold := provider.Ref{Name: "cold", Namespace: "openfaas-fn"}
		deployAll(t, mem, provider.Function{Ref: cold, Replicas: 0})
		base := scalertest.NewSource()
		base.Set("rps", cold, 0)
		loop, nats := hungQueueLoop(t, mem, base, 5*time.Second)
		load := 20.0
		sig := &scaler.Signal{Ref: cold, Status: scaler.Firing, AlertName: "FunctionAtZeroWithLoad", Load: &load,
			ScalingType: "rps", Fingerprint: "x", StartsAt: time.Now(), Received: time.Now()}
		start := time.Now()
		d, err := loop.EvaluateNow(t.Context(), cold, sig, start)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); d.Replicas == 0 || took > 0 || nats.reads.Load() != 0 {
			t.Errorf("wake from zero on a firing rps alert with NATS not answering: → %d replicas after %s (%d queue reads); "+
				"want a wake at once, without reading the queue", d.Replicas, took, nats.reads.Load())
		}
	})
}
