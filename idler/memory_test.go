package idler

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// The loop with the memory provider on virtual time: the idle function goes
// to zero once its keep-alive since deployment has passed, the busy one and
// the plain one are never idled, maintain-min restores a non-opted function
// found at zero, and every scale call changes something (no duplicates).
func TestRunWithMemoryProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := memory.New(clock.Real(), memory.Options{ColdStart: 2 * time.Second})
		keep := optIn(LabelZeroDuration, "5m")
		for _, fn := range []provider.Function{
			{Ref: ref("idle"), Labels: keep, Replicas: 2},
			{Ref: ref("busy"), Labels: keep, Replicas: 1},
			{Ref: ref("plain"), Replicas: 1},
			{Ref: ref("parked"), Labels: map[string]string{LabelMin: "2"}, Replicas: 0},
		} {
			if err := p.Deploy(fn); err != nil {
				t.Fatal(err)
			}
		}
		src := newFakeSource(start.Add(-time.Hour))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, MaintainMin: true, Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() {
			for ctx.Err() == nil {
				src.invoke(ref("busy"))
				select {
				case <-ctx.Done():
				case <-time.After(4 * time.Minute):
				}
			}
		})
		time.Sleep(20 * time.Minute)
		cancel()
		wg.Wait()

		calls := p.Calls()
		if len(calls) != 2 {
			t.Fatalf("scale calls %+v, want 2", calls)
		}
		for _, c := range calls {
			if !c.Changed() {
				t.Errorf("call changed nothing: %+v", c)
			}
			switch c.Ref {
			case ref("parked"):
				if c.To != 2 || c.At.Sub(start) != 30*time.Second {
					t.Errorf("parked: %+v, want → 2 at the first cycle", c)
				}
			case ref("idle"):
				// Deployed at start (no earlier invocation): too young until 5m.
				if c.To != 0 || c.At.Sub(start) != 5*time.Minute {
					t.Errorf("idle: %+v, want → 0 at 5m", c)
				}
			default:
				t.Errorf("unexpected call %+v", c)
			}
		}
		fn, err := p.Function(t.Context(), ref("parked"))
		if err != nil || fn.AvailableReplicas != 2 {
			t.Errorf("parked: %+v, %v; want 2 available after the cold start", fn, err)
		}
	})
}

// With a provider that refuses zero (OpenFaaS CE) the idler asks once per
// back-off, not every cycle.
func TestRunWithRefusingMemoryProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := memory.New(clock.Real(), memory.Options{RefuseZero: true})
		if err := p.Deploy(provider.Function{Ref: ref("a"), Labels: optIn(LabelZeroDuration, "1m"), Replicas: 1,
			CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: newFakeSource(time.Now().Add(-time.Hour)), RefusedBackoff: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { _ = d.Run(ctx); close(done) }()
		time.Sleep(90 * time.Minute) // 180 cycles
		cancel()
		<-done
		calls := p.Calls()
		if len(calls) != 2 || !provider.IsZeroRefused(calls[0].Err) {
			t.Fatalf("calls %+v, want 2 refused (at 30s and after the 1h back-off)", calls)
		}
		if gap := calls[1].At.Sub(calls[0].At); gap != time.Hour {
			t.Errorf("retry after %s, want 1h", gap)
		}
	})
}
