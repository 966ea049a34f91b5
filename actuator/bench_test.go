package actuator

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// BenchmarkActuatorIntent measures the actuator's overhead per intent over
// the memory provider (whose conditional write is a map update under a
// lock): inline (Submit processes in the caller, as the simulator runs it),
// and with Run (Submit, a worker, the outcome back through a channel). Each
// intent changes the count, so every one is arbitrated, written and
// recorded in the history.
func BenchmarkActuatorIntent(b *testing.B) {
	setup := func(b *testing.B) (*Actuator, *memory.Provider) {
		p := memory.New(clock.Real(), memory.Options{})
		if err := p.Deploy(provider.Function{Ref: refA, Replicas: 1}); err != nil {
			b.Fatal(err)
		}
		cfg := Default()
		cfg.Provider, cfg.Clock = p, clock.Real()
		a, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		return a, p
	}
	next := func(i int) Intent {
		from, to := uint64(1+i%2), uint64(2-i%2) // 1→2, 2→1, …
		return Intent{Ref: refA, From: from, To: to, Who: Scaler, Code: "bench", Observed: time.Now()}
	}
	check := func(b *testing.B, o Outcome) {
		if o.Code != CodeApplied {
			b.Fatalf("%s: %s (%s)", o.Intent, o.Code, o.Reason)
		}
	}

	b.Run("inline", func(b *testing.B) {
		a, p := setup(b)
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			check(b, a.Apply(ctx, next(i)))
			i++
			if i%4096 == 0 {
				p.ResetCalls()
			}
		}
	})
	b.Run("run", func(b *testing.B) {
		a, p := setup(b)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = a.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		for !a.running.Load() {
			time.Sleep(time.Millisecond) // the pool is starting; not a timing assertion
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			check(b, a.Apply(ctx, next(i)))
			i++
			if i%4096 == 0 {
				p.ResetCalls()
			}
		}
	})
}
