package actuator

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// These tests run the actuator over the memory provider, whose hooks hold a
// call inside the provider (Block), count concurrent calls (PeakFor, Peak)
// and record every write (Calls). Time is virtual (testing/synctest): the
// actuator's clock is clock.Real() inside a bubble.

var (
	refA = provider.Ref{Name: "a", Namespace: "ns"}
	refB = provider.Ref{Name: "b", Namespace: "ns"}
)

type rig struct {
	t   *testing.T
	p   *memory.Provider
	a   *Actuator
	reg *prometheus.Registry
}

// newRig deploys each ref with the given replicas and builds an actuator
// with 2 workers, a 5 s call timeout, back-off 1 s..4 s and a 1 min refusal.
func newRig(t *testing.T, opts memory.Options, edit func(*Config), fns map[provider.Ref]uint64) *rig {
	t.Helper()
	p := memory.New(clock.Real(), opts)
	for ref, n := range fns {
		if err := p.Deploy(provider.Function{Ref: ref, Replicas: n}); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	cfg := Config{Provider: p, Clock: clock.Real(), Workers: 2, CallTimeout: 5 * time.Second,
		BackoffInitial: time.Second, BackoffMax: 4 * time.Second, RefusedBackoff: time.Minute,
		HistorySize: 10, Registerer: reg}
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, p: p, a: a, reg: reg}
}

// run starts the worker pool; the returned func stops it and waits.
func (r *rig) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.a.Run(ctx); close(done) }()
	synctest.Wait() // the workers are parked
	return func() { cancel(); <-done }
}

// submit proposes in and returns where its outcome will arrive.
func (r *rig) submit(in Intent) <-chan Outcome {
	ch := make(chan Outcome, 1)
	r.a.Submit(context.Background(), in, func(o Outcome) { ch <- o })
	return ch
}

func (r *rig) replicas(ref provider.Ref) uint64 {
	r.t.Helper()
	f, err := r.p.Function(context.Background(), ref)
	if err != nil {
		r.t.Fatal(err)
	}
	return f.Replicas
}

// intent is who's proposal for ref made now on the count from.
func intent(who Component, ref provider.Ref, from, to uint64) Intent {
	return Intent{Ref: ref, From: from, To: to, Who: who, Code: "test", Reason: fmt.Sprintf("%s wants %d", who, to),
		Observed: time.Now()}
}

// outcome receives one outcome or fails when none has arrived (the bubble
// is idle, so none will).
func outcome(t *testing.T, ch <-chan Outcome) Outcome {
	t.Helper()
	synctest.Wait()
	select {
	case o := <-ch:
		return o
	default:
		t.Fatal("no outcome yet")
		return Outcome{}
	}
}

func noOutcome(t *testing.T, ch <-chan Outcome, what string) {
	t.Helper()
	synctest.Wait()
	select {
	case o := <-ch:
		t.Fatalf("%s: got outcome %s (%s) early", what, o.Code, o.Reason)
	default:
	}
}

// Without Run, Submit applies in the caller's goroutine before it returns.
func TestInlineAppliesSynchronously(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		var got []Outcome
		r.a.Submit(t.Context(), intent(Scaler, refA, 1, 3), func(o Outcome) { got = append(got, o) })
		if len(got) != 1 || got[0].Code != CodeApplied || !got[0].Applied || got[0].From != 1 || got[0].To != 3 {
			t.Fatalf("outcomes after Submit returned: %+v", got)
		}
		if n := r.replicas(refA); n != 3 {
			t.Errorf("replicas %d, want 3", n)
		}
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 3, 3)); o.Code != CodeUnchanged || !o.Applied {
			t.Errorf("Apply of the current count: %s, applied %v", o.Code, o.Applied)
		}
		if c := r.p.Calls(); len(c) != 1 {
			t.Errorf("an unchanged intent reached the provider: %+v", c)
		}
	})
}

// Inline submissions from several goroutines still reach the provider one
// at a time per function: a second caller finding the function busy leaves
// its intent to the goroutine already processing it.
func TestInlineOneAtATimePerFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		release := r.p.Block(refA)
		first := make(chan Outcome, 1)
		go r.a.Submit(context.Background(), intent(Scaler, refA, 1, 2), func(o Outcome) { first <- o })
		synctest.Wait()
		second := make(chan Outcome, 1)
		go r.a.Submit(context.Background(), intent(PreWarm, refA, 1, 4), func(o Outcome) { second <- o })
		synctest.Wait()
		if r.p.PeakFor(refA) != 1 || r.p.Held(refA) != 1 {
			t.Fatalf("while one call is held: PeakFor %d, Held %d; want 1, 1", r.p.PeakFor(refA), r.p.Held(refA))
		}
		release()
		o1, o2 := outcome(t, first), outcome(t, second)
		if o1.Code != CodeApplied || o2.Code != CodeApplied || o2.From != 2 {
			t.Errorf("outcomes %s, %s (from %d); want applied, applied from 2", o1.Code, o2.Code, o2.From)
		}
		if r.p.PeakFor(refA) != 1 || r.replicas(refA) != 4 {
			t.Errorf("PeakFor %d, replicas %d; want 1, 4", r.p.PeakFor(refA), r.replicas(refA))
		}
	})
}

// With Run, one intent at a time per function: while a call is held inside
// the provider, later intents for the function wait in one slot, merged: a
// component's newer intent replaces its older one at once; between
// components the higher runs and the runner-up waits as its fallback,
// dropped once the winner is applied.
func TestOneIntentAtATimePerFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1})
		stop := r.run()
		defer stop()
		release := r.p.Block(refA)
		held := r.submit(intent(Scaler, refA, 1, 3))
		synctest.Wait()
		if r.p.Held(refA) != 1 {
			t.Fatalf("Held = %d, want the first intent's call held", r.p.Held(refA))
		}
		idle := r.submit(intent(Idler, refA, 1, 0))  // queued
		up2 := r.submit(intent(Scaler, refA, 1, 2))  // beats the queued scale-down, which becomes its fallback
		up4 := r.submit(intent(Scaler, refA, 1, 4))  // the scaler's newer intent replaces its older
		idle2 := r.submit(intent(Idler, refA, 1, 0)) // replaces the idler's fallback; loses to the raise
		pre := r.submit(intent(PreWarm, refA, 1, 4)) // ties: the newer wins; the scaler's 4 outranks idle2 as fallback
		for _, c := range []struct {
			ch <-chan Outcome
			by Component
		}{{idle, Idler}, {up2, Scaler}, {idle2, PreWarm}} {
			if o := outcome(t, c.ch); o.Code != CodeSuperseded || o.Reason != "replaced by "+string(c.by)+"'s intent before it ran" {
				t.Errorf("%s: %s (%s); want superseded by %s", o.Intent, o.Code, o.Reason, c.by)
			}
		}
		noOutcome(t, held, "held intent")
		noOutcome(t, pre, "queued intent")
		noOutcome(t, up4, "fallback intent")
		if r.p.PeakFor(refA) != 1 || r.p.Held(refA) != 1 || len(r.p.Calls()) != 0 {
			t.Fatalf("while held: PeakFor %d, Held %d, calls %d; want 1, 1, 0", r.p.PeakFor(refA), r.p.Held(refA), len(r.p.Calls()))
		}
		release()
		if o := outcome(t, held); o.Code != CodeApplied || o.To != 3 {
			t.Errorf("held intent: %s → %d", o.Code, o.To)
		}
		// The survivor was made on 1; the provider has 3 now: the
		// conditional write conflicts and the raise goes ahead from 3.
		if o := outcome(t, pre); o.Code != CodeApplied || o.From != 3 || o.To != 4 || o.Intent.Who != PreWarm {
			t.Errorf("queued intent: %s %s %d→%d; want prewarm applied 3→4", o.Intent.Who, o.Code, o.From, o.To)
		}
		// The winner was applied: its fallback is not run.
		if o := outcome(t, up4); o.Code != CodeSuperseded || o.Reason != "replaced by prewarm's intent before it ran" {
			t.Errorf("fallback intent: %s (%s); want superseded by prewarm", o.Code, o.Reason)
		}
		if r.p.PeakFor(refA) != 1 || r.replicas(refA) != 4 {
			t.Errorf("PeakFor %d, replicas %d; want 1, 4", r.p.PeakFor(refA), r.replicas(refA))
		}
	})
}

// Different functions run in parallel, up to Workers.
func TestFunctionsInParallelUpToWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fns := map[provider.Ref]uint64{}
		var refs []provider.Ref
		for i := range 5 {
			ref := provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: "ns"}
			fns[ref] = 1
			refs = append(refs, ref)
		}
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 3 }, fns)
		stop := r.run()
		defer stop()
		var releases []func()
		var chans []<-chan Outcome
		for _, ref := range refs {
			releases = append(releases, r.p.Block(ref))
			chans = append(chans, r.submit(intent(Scaler, ref, 1, 2)))
		}
		synctest.Wait()
		held := 0
		for _, ref := range refs {
			held += r.p.Held(ref)
		}
		if r.p.Peak() != 3 || held != 3 {
			t.Fatalf("Peak %d, held %d; want 3 (the workers), 3", r.p.Peak(), held)
		}
		for _, rel := range releases {
			rel()
		}
		for i, ch := range chans {
			if o := outcome(t, ch); o.Code != CodeApplied {
				t.Errorf("%s: %s", refs[i], o.Code)
			}
		}
		if r.p.Peak() != 3 {
			t.Errorf("Peak %d after all ran, want 3", r.p.Peak())
		}
	})
}

// A call hanging past CallTimeout is that function's error: it backs off,
// doubling up to BackoffMax, while another function's intent is applied at
// once.
func TestHungCallBacksOffThatFunctionOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1, refB: 1})
		stop := r.run()
		defer stop()
		release := r.p.Block(refA) // hangs until the end
		defer release()
		start := time.Now()
		hung := r.submit(intent(Scaler, refA, 1, 2))
		synctest.Wait()
		if o := r.a.Apply(t.Context(), intent(Scaler, refB, 1, 2)); o.Code != CodeApplied || !o.At.Equal(start) {
			t.Errorf("b while a hangs: %s at +%s; want applied at once", o.Code, o.At.Sub(start))
		}
		o := <-hung
		if o.Code != CodeError || o.At.Sub(start) != 5*time.Second {
			t.Fatalf("hung call: %s at +%s (%s); want error at the 5s call timeout", o.Code, o.At.Sub(start), o.Reason)
		}
		// Back-off 1s, 2s, 4s, 4s: each retry after the back-off hangs 5s again.
		for i, back := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
			failedAt := time.Now()
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 2)); o.Code != CodeBackoff {
				t.Fatalf("failure %d: next intent %s, want backoff", i+1, o.Code)
			}
			time.Sleep(back - time.Millisecond)
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 2)); o.Code != CodeBackoff {
				t.Fatalf("failure %d: %s just before the %s back-off ends, want backoff", i+1, o.Code, back)
			}
			time.Sleep(time.Millisecond)
			if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 2)); o.Code != CodeError || o.At.Sub(failedAt) != back+5*time.Second {
				t.Fatalf("failure %d: after the %s back-off: %s at +%s", i+1, back, o.Code, o.At.Sub(failedAt))
			}
			// b is never held back by a's failures.
			if o := r.a.Apply(t.Context(), intent(Scaler, refB, r.replicas(refB), r.replicas(refB)+1)); o.Code != CodeApplied {
				t.Errorf("b during a's back-off: %s", o.Code)
			}
		}
		release()
		time.Sleep(4 * time.Second)
		if o := r.a.Apply(t.Context(), intent(Scaler, refA, 1, 2)); o.Code != CodeApplied {
			t.Fatalf("after release and back-off: %s (%s)", o.Code, o.Reason)
		}
		e, _ := r.a.Explain(refA)
		if ex := e.(Explanation); ex.Failures != 0 || ex.BackoffUntil != nil || ex.LastError != "" {
			t.Errorf("a success clears the back-off: %+v", ex)
		}
	})
}

// Concurrent Submit, Apply and readers do not race (go test -race).
func TestConcurrentSubmitters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, nil, map[provider.Ref]uint64{refA: 1, refB: 1})
		stop := r.run()
		defer stop()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				ref := []provider.Ref{refA, refB}[i%2]
				r.a.Apply(t.Context(), intent([]Component{Scaler, Idler, PreWarm}[i%3], ref, 1, uint64(i%4)))
				r.a.History(ref)
				r.a.Explain(ref)
				r.a.LastRaise(ref, "")
			})
		}
		wg.Wait()
		if r.p.PeakFor(refA) != 1 || r.p.PeakFor(refB) != 1 {
			t.Errorf("PeakFor a %d, b %d; want 1", r.p.PeakFor(refA), r.p.PeakFor(refB))
		}
	})
}
