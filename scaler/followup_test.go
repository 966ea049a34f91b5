package scaler

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A function that scaled up on the first reading of a step is re-evaluated
// every second for one burst window, so the step's full reading one scrape
// later is acted on within a second, not at the next pass (5 s later).
//
// Seen failing: without the follow-up (the followUpLocked call in
// decideAndApply removed) it is still at 3 replicas 2.5 s in; with the
// follow-ups never expiring (dueFollowUps keeping every entry), the queries
// between passes after the window do not stop.
func TestFollowUpActsOnTheNextReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil))
		// The first reading of a step of 200/s, one 5 s scrape in: the burst
		// window holds 100/s of it (burst: ≥ 2 × 45 on one ready replica).
		e.src.SetWindow("rps", DefaultStableWindow, refA, 10)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 100)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		time.Sleep(500 * time.Millisecond)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("after the first pass: %d replicas, want 3 (100/s over 45/s)", got)
		}
		// The next scrape shows the whole step.
		time.Sleep(time.Second)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 200)
		time.Sleep(time.Second)
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("2.5 s in, a second after the full reading: %d replicas, want 5 (the next pass is at 5 s)", got)
		}
		// One burst window after the last scale-up (at 2 s), the follow-ups
		// stop: between two passes the source is not asked again.
		time.Sleep(13 * time.Second) // 15.5 s: the pass at 15 s is done
		e.src.Queries()              // forget those so far
		time.Sleep(4 * time.Second)  // 19.5 s, before the pass at 20 s
		if got := len(e.src.Queries()); got != 0 {
			t.Errorf("%d load queries between passes after the follow-up window, want 0", got)
		}
	})
}

// A scale-down is not followed up: it waits for the regular passes.
func TestNoFollowUpAfterScaleDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) { c.Defaults.DownWindow = 0 }, function(refA, 4, nil))
		e.src.Set("rps", refA, 40) // one replica's worth: 4 → 2 (halving)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		time.Sleep(500 * time.Millisecond)
		if got := e.prov.replicas(refA); got != 2 {
			t.Fatalf("after the first pass: %d replicas, want 2", got)
		}
		e.src.Queries() // forget the first pass's
		time.Sleep(4 * time.Second)
		if got := len(e.src.Queries()); got != 0 {
			t.Errorf("%d load queries before the next pass after a scale-down, want 0", got)
		}
	})
}

// subsetSpy is a source that can answer for a few functions
// (metricsource.SubsetLoad): it records which functions each LoadFor named
// and counts the Load calls over every function.
type subsetSpy struct {
	metricsource.Source
	full  int
	asked [][]provider.Ref
}

func (s *subsetSpy) Load(ctx context.Context, q metricsource.LoadQuery) (metricsource.Values, error) {
	s.full++
	return s.Source.Load(ctx, q)
}

func (s *subsetSpy) LoadFor(ctx context.Context, q metricsource.LoadQuery, refs []provider.Ref) (metricsource.Values, error) {
	s.asked = append(s.asked, slices.Clone(refs))
	return s.Source.Load(ctx, q)
}

// A follow-up asks the source about the followed function only (a full
// pass asks about all): at 1 s ticks over every function's history, the
// follow-ups had cost the embedded source a tenth of a day's replay.
//
// Seen failing: with evaluate asking Load whatever the caller (tick forced
// to true for the Load calls), the follow-up made 2 full queries.
func TestFollowUpAsksAboutTheFollowedFunctionOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var spy *subsetSpy
		e := newLoopEnv(t, func(c *LoopConfig) { spy = &subsetSpy{Source: c.Source}; c.Source = spy },
			function(refA, 1, nil), function(refB, 1, nil))
		e.src.SetWindow("rps", DefaultStableWindow, refA, 10)
		e.src.SetWindow("rps", DefaultBurstWindow, refA, 100)
		ctx := t.Context()
		now := time.Now()
		if err := e.loop.Tick(ctx, now); err != nil {
			t.Fatal(err)
		}
		if spy.full != 2 || len(spy.asked) != 0 {
			t.Fatalf("a pass: %d full queries and %v subsets, want 2 (stable and burst) and none", spy.full, spy.asked)
		}
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("after the pass: %d replicas, want 3 (a scale-up, followed up)", got)
		}
		if err := e.loop.FollowUp(ctx, now.Add(FollowUpEvery)); err != nil {
			t.Fatal(err)
		}
		want := [][]provider.Ref{{refA}, {refA}}
		if spy.full != 2 || !reflect.DeepEqual(spy.asked, want) {
			t.Fatalf("the follow-up: %d full queries (want none more) and subsets %v, want %v", spy.full-2, spy.asked, want)
		}
	})
}
