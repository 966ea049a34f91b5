package memory

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func hookProvider(t *testing.T, opts Options, refs ...provider.Ref) *Provider {
	t.Helper()
	p := New(clock.Real(), opts)
	for _, ref := range refs {
		mustDeploy(t, p, provider.Function{Ref: ref, Replicas: 1})
	}
	return p
}

// A blocked call waits inside the provider, holding no lock: reads and other
// functions' writes go on; on release it applies.
func TestBlockHoldsCallsUntilReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := provider.Ref{Name: "a", Namespace: "ns"}, provider.Ref{Name: "b", Namespace: "ns"}
		p := hookProvider(t, Options{}, a, b)
		release := p.Block(a)
		done := make(chan error, 2)
		go func() { done <- p.Scale(t.Context(), a, 3) }()
		go func() { done <- p.ScaleFrom(t.Context(), a, 1, 4) }()
		synctest.Wait()
		if got := p.Held(a); got != 2 {
			t.Fatalf("Held(a) = %d, want 2", got)
		}
		if err := p.WaitHeld(t.Context(), a, 2); err != nil {
			t.Fatal(err)
		}
		if got := replicas(t, p, a); got[0] != 1 {
			t.Fatalf("a changed while held: %v", got)
		}
		if err := p.Scale(t.Context(), b, 5); err != nil {
			t.Fatalf("another function's Scale while a is held: %v", err)
		}
		if len(p.Calls()) != 1 {
			t.Fatalf("held calls were recorded: %+v", p.Calls())
		}
		if p.Peak() != 3 || p.PeakFor(a) != 2 || p.PeakFor(b) != 1 {
			t.Errorf("Peak %d, PeakFor(a) %d, PeakFor(b) %d; want 3, 2, 1", p.Peak(), p.PeakFor(a), p.PeakFor(b))
		}
		release()
		release() // idempotent
		synctest.Wait()
		if p.Held(a) != 0 || p.InFlight() != 0 {
			t.Errorf("after release: Held %d, InFlight %d", p.Held(a), p.InFlight())
		}
		var errs []error
		for range 2 {
			errs = append(errs, <-done)
		}
		// One of the two ran first; the other either conflicts or applies.
		if len(p.Calls()) != 3 {
			t.Errorf("calls after release: %+v (errors %v)", p.Calls(), errs)
		}
		// New calls are not held any more.
		if err := p.Scale(t.Context(), a, 2); err != nil || replicas(t, p, a)[0] != 2 {
			t.Errorf("Scale after release: %v, replicas %v", err, replicas(t, p, a))
		}
	})
}

// A held call whose context ends returns the context's error at once and
// changes and records nothing.
func TestBlockHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := provider.Ref{Name: "a", Namespace: "ns"}
		p := hookProvider(t, Options{}, a)
		defer p.Block(a)()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		err := p.ScaleFrom(ctx, a, 1, 0)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
		if waited := time.Since(start); waited != 5*time.Second {
			t.Errorf("returned after %s, want the 5s deadline", waited)
		}
		if len(p.Calls()) != 0 || replicas(t, p, a)[0] != 1 || p.Held(a) != 0 || p.InFlight() != 0 {
			t.Errorf("a cancelled held call left traces: calls %+v, replicas %v, held %d, in flight %d",
				p.Calls(), replicas(t, p, a), p.Held(a), p.InFlight())
		}
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
		defer cancel2()
		if err := p.WaitHeld(ctx2, a, 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitHeld with nothing held: %v", err)
		}
	})
}

// A delay takes the given time on the provider's clock (virtual here) and
// is cut short by the context; other functions are not delayed.
func TestDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := provider.Ref{Name: "a", Namespace: "ns"}, provider.Ref{Name: "b", Namespace: "ns"}
		p := hookProvider(t, Options{}, a, b)
		p.SetDelay(a, 3*time.Second)
		start := time.Now()
		if err := p.Scale(t.Context(), a, 2); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("delayed Scale took %s, want 3s", took)
		}
		if c := p.Calls(); len(c) != 1 || !c[0].At.Equal(start.Add(3*time.Second)) {
			t.Errorf("the call applies after the delay: %+v", c)
		}
		start = time.Now()
		if err := p.Scale(t.Context(), b, 2); err != nil || time.Since(start) != 0 {
			t.Errorf("b was delayed (%s) or failed (%v)", time.Since(start), err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := p.ScaleFrom(ctx, a, 2, 5); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ScaleFrom past its deadline: %v", err)
		}
		if replicas(t, p, a)[0] != 2 || len(p.Calls()) != 2 {
			t.Errorf("the cancelled call changed something: %v %+v", replicas(t, p, a), p.Calls())
		}
		p.SetDelay(a, 0)
		start = time.Now()
		if err := p.Scale(t.Context(), a, 1); err != nil || time.Since(start) != 0 {
			t.Errorf("after clearing the delay: %s, %v", time.Since(start), err)
		}
	})
}

// SetColdStart overrides Options.ColdStart for one function.
func TestSetColdStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := provider.Ref{Name: "a", Namespace: "ns"}, provider.Ref{Name: "b", Namespace: "ns"}
		p := hookProvider(t, Options{ColdStart: 2 * time.Second}, a, b)
		p.SetColdStart(a, 10*time.Second)
		for _, ref := range []provider.Ref{a, b} {
			if err := p.Scale(t.Context(), ref, 2); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(2 * time.Second)
		if ga, gb := replicas(t, p, a), replicas(t, p, b); ga != [2]uint64{2, 1} || gb != [2]uint64{2, 2} {
			t.Errorf("at 2s: a %v (want 2 desired, 1 available), b %v (want 2, 2)", ga, gb)
		}
		time.Sleep(8 * time.Second)
		if ga := replicas(t, p, a); ga != [2]uint64{2, 2} {
			t.Errorf("at 10s: a %v", ga)
		}
		c := provider.Ref{Name: "c", Namespace: "ns"}
		p.SetColdStart(c, 0)
		if err := p.DeployCold(provider.Function{Ref: c, Replicas: 1}); err != nil {
			t.Fatal(err)
		}
		if gc := replicas(t, p, c); gc != [2]uint64{1, 1} {
			t.Errorf("DeployCold with a zero override: %v, want available at once", gc)
		}
		p.SetColdStart(a, -1)
		if err := p.Scale(t.Context(), a, 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if ga := replicas(t, p, a); ga != [2]uint64{3, 3} {
			t.Errorf("after removing the override: %v", ga)
		}
	})
}

// The counters see concurrent calls: per function and overall, and reset.
func TestPeakCountsConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refs := []provider.Ref{{Name: "a", Namespace: "ns"}, {Name: "b", Namespace: "ns"}, {Name: "c", Namespace: "ns"}}
		p := hookProvider(t, Options{}, refs...)
		for _, ref := range refs {
			p.SetDelay(ref, time.Second)
		}
		var wg sync.WaitGroup
		for i, ref := range refs {
			for range i + 1 {
				wg.Go(func() { _ = p.Scale(t.Context(), ref, 2) })
			}
		}
		synctest.Wait()
		if p.InFlight() != 6 {
			t.Errorf("InFlight = %d, want 6", p.InFlight())
		}
		wg.Wait()
		if p.Peak() != 6 || p.PeakFor(refs[0]) != 1 || p.PeakFor(refs[1]) != 2 || p.PeakFor(refs[2]) != 3 {
			t.Errorf("Peak %d, PeakFor %d %d %d; want 6, 1 2 3", p.Peak(), p.PeakFor(refs[0]), p.PeakFor(refs[1]), p.PeakFor(refs[2]))
		}
		p.ResetPeaks()
		if p.Peak() != 0 || p.PeakFor(refs[2]) != 0 {
			t.Errorf("after ResetPeaks: %d, %d", p.Peak(), p.PeakFor(refs[2]))
		}
		// Sequential calls never overlap.
		for range 3 {
			_ = p.Scale(t.Context(), refs[0], 1)
		}
		if p.Peak() != 1 || p.PeakFor(refs[0]) != 1 {
			t.Errorf("sequential calls: Peak %d, PeakFor %d; want 1, 1", p.Peak(), p.PeakFor(refs[0]))
		}
	})
}
