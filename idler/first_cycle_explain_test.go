package idler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// pendingOf is x as a Pending section, failing the test (with what x is)
// when it is not one.
func pendingOf(t *testing.T, when string, x any, ok bool) Pending {
	t.Helper()
	p, isPending := x.(Pending)
	if !ok || !isPending {
		t.Fatalf("%s: Explain = %#v, %v; want the idle section saying the term's first cycle is pending", when, x, ok)
	}
	return p
}

// TestExplainSaysTheFirstCycleIsPending: the idle section of the explain
// API was absent from a term's start until its first cycle ended (one
// cycle is minutes at 10,000 functions): an operator asking "why is fn not
// idled" right after a restart got nothing. It says what is true instead:
// the term began at …, the first cycle is due at … or in progress since
// …; and a function that cycle has already answered (one not opted in,
// answered as it is listed) is explained. A former term's explanations
// stay out of it (they are not current).
func TestExplainSaysTheFirstCycleIsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		created := start.Add(-time.Hour)
		p := newTestProvider(t, memory.Options{},
			function("idle", 2, created, optIn(LabelZeroDuration, "2m")),
			function("plain", 1, created, nil),
		)
		src := newFakeSource(start.Add(-time.Hour))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		type answer struct {
			x  any
			ok bool
		}
		var duringIdle, duringPlain answer
		src.onQuery = func(n int) {
			if n == 1 { // the first cycle, between its listing and its end
				duringIdle.x, duringIdle.ok = d.Explain(ref("idle"))
				duringPlain.x, duringPlain.ok = d.Explain(ref("plain"))
			}
		}

		d.NewTerm() // the controller's term: before the keep-alive refresh and Run
		x, ok := d.Explain(ref("idle"))
		if p := pendingOf(t, "a term begun, Run not yet", x, ok); !p.Since.Equal(start) || !p.NextCycleAt.IsZero() ||
			!strings.Contains(p.Reason, "not started") {
			t.Errorf("a term begun, Run not yet: %+v; want since the term's start, no next cycle, saying the cycles have not started", p)
		}

		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(time.Second)
		synctest.Wait()
		x, ok = d.Explain(ref("idle"))
		if p := pendingOf(t, "before the first cycle", x, ok); p.Function != "idle.openfaas-fn" || !p.Pending ||
			!p.NextCycleAt.Equal(start.Add(30*time.Second)) || !p.CycleStartedAt.IsZero() || !strings.Contains(p.Reason, "due") {
			t.Errorf("before the first cycle: %+v; want pending, the first cycle due at %v", p, start.Add(30*time.Second))
		}

		time.Sleep(30 * time.Second) // the first cycle, at 30 s
		synctest.Wait()
		if p := pendingOf(t, "during the first cycle, idle", duringIdle.x, duringIdle.ok); !p.CycleStartedAt.Equal(start.Add(30*time.Second)) ||
			!strings.Contains(p.Reason, "in progress") {
			t.Errorf("during the first cycle, idle: %+v; want the first cycle in progress since %v", p, start.Add(30*time.Second))
		}
		if ex, isEx := duringPlain.x.(Explanation); !duringPlain.ok || !isEx || ex.Code != CodeNotOptedIn {
			t.Errorf("during the first cycle, plain (answered as listed): %#v, %v; want its not_opted_in explanation", duringPlain.x, duringPlain.ok)
		}
		if ex := mustExplain(t, d, "idle"); ex.Code != CodeActive && ex.Code != CodeTooYoung && ex.Code != CodeIdle {
			t.Errorf("after the first cycle: %+v", ex)
		}
		cancel()
		wg.Wait()

		// A later term: the former term's explanation of plain is not
		// served as this term's, though the state still holds it.
		d.NewTerm()
		x, ok = d.Explain(ref("plain"))
		pendingOf(t, "a later term, before its first cycle", x, ok)
	})
}

// failingLister lists nothing: its provider is down.
type failingLister struct{ *testProvider }

func (failingLister) Functions(context.Context, string) ([]provider.Function, error) {
	return nil, errors.New("connection refused")
}

// TestExplainSaysTheFirstListingFailed: a term whose cycles cannot list
// the functions explains none of them; the idle section says why (the
// listing's error) rather than nothing.
func TestExplainSaysTheFirstListingFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := newTestProvider(t, memory.Options{}, function("idle", 2, start.Add(-time.Hour), optIn()))
		d, err := New(Config{Provider: failingLister{p}, Actuator: newActuator(t, p, false), Source: newFakeSource(start),
			Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(31 * time.Second)
		synctest.Wait()
		x, ok := d.Explain(ref("idle"))
		if p := pendingOf(t, "after a failed listing", x, ok); !strings.Contains(p.ListError, "connection refused") ||
			!p.NextCycleAt.Equal(start.Add(time.Minute)) {
			t.Errorf("after a failed listing: %+v; want its error and the next cycle at %v", p, start.Add(time.Minute))
		}
		cancel()
		wg.Wait()
	})
}

// failingOnceLister fails its first listing (the provider was down), and
// lists after.
type failingOnceLister struct {
	*testProvider
	failed bool
}

func (l *failingOnceLister) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	if !l.failed {
		l.failed = true
		return nil, errors.New("connection refused")
	}
	return l.testProvider.Functions(ctx, ns)
}

// TestACycleAfterAFailedListingIsNotCalledTheFirst: once a cycle of the
// term has failed to list, the cycle that lists after it is not the
// term's first; between its listing and its end the idle section says it
// is the first to list the functions, the listing error cleared by it.
func TestACycleAfterAFailedListingIsNotCalledTheFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		p := newTestProvider(t, memory.Options{}, function("idle", 2, start.Add(-time.Hour), optIn()))
		src := newFakeSource(start.Add(-time.Hour))
		d, err := New(Config{Provider: &failingOnceLister{testProvider: p}, Actuator: newActuator(t, p, false), Source: src,
			Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		var during any
		var duringOK bool
		src.onQuery = func(n int) {
			if n == 1 { // the second cycle, the first to list, before its end
				during, duringOK = d.Explain(ref("idle"))
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(61 * time.Second) // a failed listing at 30 s, a cycle that lists at 1 m
		synctest.Wait()
		if p := pendingOf(t, "during the cycle after a failed listing", during, duringOK); p.ListError != "" ||
			!strings.Contains(p.Reason, "first cycle to list") || strings.Contains(p.Reason, "first cycle since") {
			t.Errorf("during the cycle that lists after a failed one: %+v; want it called the first to list, no listing error", p)
		}
		cancel()
		wg.Wait()
	})
}
