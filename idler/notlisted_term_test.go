package idler

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestNotListedUntilATermsCycleHasExplained: with scaler.enabled false the
// idler is the explain API's lister, and NotListed nil means "the list is
// the functions": README, GET /api/v1/functions answers 503 "before the
// first listing of a start or a leadership term, where an empty list would
// read as every function gone". Two ways it did not:
//
//   - NotListed turned nil as the first cycle began (its count of cycles),
//     but a function that cycle works on (every opted-in one) is explained
//     only when the cycle ends, after its activity queries and its scale
//     calls: meanwhile the list held only the functions not opted in,
//     which reads as the scale-to-zero ones gone.
//   - A replica leading again (Run again, a new leadership term) answered
//     from its former term's last cycle, maybe hours old, until the new
//     term's first cycle (up to the schedule's interval): replicas and
//     desired counts the other leader has changed since, as current. The
//     scaler's loop answers 503 then (Loop.newTerm).
//
// Found by a review helper.
func TestNotListedUntilATermsCycleHasExplained(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		created := start.Add(-time.Hour)
		p := newTestProvider(t, memory.Options{},
			function("idle", 2, created, optIn(LabelZeroDuration, "2m")),
			function("plain", 1, created, nil),
		)
		src := newFakeSource(start)
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(), Schedule: "@every 30s"})
		if err != nil {
			t.Fatal(err)
		}
		var duringErr error
		var duringRefs []provider.Ref
		src.onQuery = func(n int) {
			if n == 1 { // the first cycle, between its listing and its end
				duringErr, duringRefs = d.NotListed(), d.Refs()
			}
		}
		term := func(length time.Duration, during func()) {
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			wg.Go(func() { _ = d.Run(ctx) })
			time.Sleep(length)
			during()
			cancel()
			wg.Wait()
		}
		both := []provider.Ref{ref("idle"), ref("plain")}
		sorted := func(refs []provider.Ref) []provider.Ref {
			return slices.SortedFunc(slices.Values(refs), func(a, b provider.Ref) int { return strings.Compare(a.String(), b.String()) })
		}

		term(31*time.Second, func() { // one cycle, at 30 s
			if err := d.NotListed(); err != nil || !slices.Equal(sorted(d.Refs()), both) {
				t.Fatalf("after the first cycle: NotListed %v, Refs %v; want nil and %v", err, d.Refs(), both)
			}
		})
		if duringErr == nil && !slices.Equal(sorted(duringRefs), both) {
			t.Errorf("during the first cycle: NotListed nil and Refs %v; want 503 (NotListed not nil) until every listed function is explained", duringRefs)
		}
		// The term over, what it explained is not current (a replica leading
		// again waits Act's warm-up before its next Run: session 49's review).
		if err := d.NotListed(); err == nil {
			t.Errorf("after the term ended: NotListed nil (its answers served as current); want an error")
		}

		// A later term: before its first cycle, nothing of this term is known.
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(time.Second)
		if err := d.NotListed(); err == nil {
			t.Errorf("a new term's first second, before its first cycle: NotListed nil (the former term's answers served as current); want an error")
		}
		time.Sleep(30 * time.Second)
		if err := d.NotListed(); err != nil {
			t.Errorf("after the new term's first cycle: NotListed %v, want nil", err)
		}
		cancel()
		wg.Wait()
	})
}
