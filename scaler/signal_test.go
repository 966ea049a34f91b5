package scaler

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

func TestRunSignalEvaluatesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Minute }, function(refA, 1, nil))
		e.src.Set("rps", refA, 40)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- e.loop.Run(ctx) }()
		synctest.Wait() // the first pass ran: nothing to do
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Fatalf("scaled at start: %v", calls)
		}
		start := time.Now()
		e.src.Set("rps", refA, 200)
		if err := e.loop.Notify(t.Context(), Signal{Ref: refA, Status: Firing, Fingerprint: "x", StartsAt: start}); err != nil {
			t.Fatalf("Notify: %v", err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 5 {
			t.Errorf("after the signal: %d replicas, want 5", got)
		}
		if time.Since(start) != 0 {
			t.Errorf("evaluation waited %v for a tick", time.Since(start))
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
}

func TestNotifyCoalescesAndDeduplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10"} // step 1
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 1, labels))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.loop.Run(ctx)
		synctest.Wait()
		sig := Signal{Ref: refA, Status: Firing, Fingerprint: "fp", StartsAt: time.Now()}
		// AlertManager delivers, retries, and a second receiver duplicates.
		for range 3 {
			if err := e.loop.Notify(t.Context(), sig); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		_ = e.loop.Notify(t.Context(), sig) // a retry after the pass
		synctest.Wait()
		time.Sleep(3 * time.Second)
		_ = e.loop.Notify(t.Context(), sig) // still within the dedup interval
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 2 {
			t.Errorf("after one alert delivered 5 times: %d replicas, want 2 (one step)", got)
		}
		time.Sleep(30 * time.Second) // AlertManager's repeat_interval: steps again
		_ = e.loop.Notify(t.Context(), sig)
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Errorf("after a repeat past the dedup interval: %d, want 3", got)
		}
	})
}

// TestOneScaleAtATimePerFunction holds the first write for a function inside
// the provider while the loop proposes more for it (a tick, a firing alert,
// another tick) to a running actuator: none of them may reach the provider
// until the first returns, and after it does the later proposal, made from
// the count before the held write, must be checked against the new count
// (a conditional write that conflicts, then one from the fresh count), never
// written blindly over it.
//
// Seen failing: with the per-function serialisation removed from the
// actuator (the s.busy check in process and !s.busy in Submit), the later
// proposals reach the provider while the first is held (3 held, PeakFor =
// 3).
func TestOneScaleAtATimePerFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var act *actuator.Actuator
		e := newLoopEnv(t, func(c *LoopConfig) { act = c.Actuator.(*actuator.Actuator) }, function(refA, 1, nil))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = act.Run(ctx) }()
		synctest.Wait() // running: a proposal is queued, never written inline
		release := e.prov.Block(refA)
		defer release()

		e.src.Set("rps", refA, 200) // wants 5
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.prov.WaitHeld(t.Context(), refA, 1); err != nil {
			t.Fatal(err)
		}
		e.src.Set("rps", refA, 400) // wants 9, still seeing 1 replica
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := e.loop.EvaluateNow(t.Context(), refA, &Signal{Ref: refA, Status: Firing, Fingerprint: "x", StartsAt: time.Now()}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // every worker that could reach the provider has
		if held, peak := e.prov.Held(refA), e.prov.PeakFor(refA); held != 1 || peak != 1 {
			t.Fatalf("while the first write is held: %d writes held, at most %d at once; want 1 and 1", held, peak)
		}
		if got := e.prov.Calls(); len(got) != 0 {
			t.Fatalf("writes completed while the first was held: %+v", got)
		}

		release()
		synctest.Wait()
		if peak := e.prov.PeakFor(refA); peak != 1 {
			t.Errorf("at most %d writes for one function at once, want 1", peak)
		}
		type call struct {
			From, To, Requested uint64
			Conflict            bool
		}
		var got []call
		for _, c := range e.prov.Calls() {
			_, conflict := provider.IsConflict(c.Err)
			if c.Err != nil && !conflict {
				t.Errorf("write failed: %+v", c)
			}
			got = append(got, call{c.From, c.To, c.Requested, conflict})
		}
		want := []call{
			{From: 1, To: 5, Requested: 5},                 // the held write
			{From: 5, To: 5, Requested: 9, Conflict: true}, // the later proposal, made at 1: refused by the provider
			{From: 5, To: 9, Requested: 9},                 // re-decided from 5
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("writes (-want +got):\n%s", diff)
		}
		if n := e.prov.replicas(refA); n != 9 {
			t.Errorf("%d replicas, want 9", n)
		}
	})
}

func TestNotifyNeverBlocksAndCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 1, nil), function(refB, 1, nil))
		_ = e.loop.Tick(t.Context(), time.Now())
		// Nobody runs the loop: Notify must still return at once.
		for i := range 1000 {
			ref := refA
			if i%2 == 1 {
				ref = refB
			}
			if err := e.loop.Notify(t.Context(), Signal{Ref: ref, Status: Firing}); err != nil {
				t.Fatal(err)
			}
		}
		e.loop.mu.Lock()
		n := len(e.loop.pending)
		e.loop.mu.Unlock()
		if n != 2 {
			t.Errorf("%d pending evaluations after 1000 signals for 2 functions, want 2", n)
		}
		if err := e.loop.Notify(t.Context(), Signal{Ref: refC, Status: Firing}); !errors.Is(err, ErrUnknownFunction) {
			t.Errorf("Notify for a function never listed = %v, want ErrUnknownFunction", err)
		}
	})
}

func TestLastScaleUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, func(c *LoopConfig) { c.Defaults.DownWindow = 0 }, function(refA, 1, nil))
		if got := e.loop.LastScaleUp(refA); !got.IsZero() {
			t.Errorf("before any pass: %v", got)
		}
		e.src.Set("rps", refA, 200)
		up := time.Now()
		_ = e.loop.Tick(t.Context(), up)
		time.Sleep(5 * time.Minute)
		_ = e.loop.Tick(t.Context(), time.Now()) // steady
		if got := e.loop.LastScaleUp(refA); !got.Equal(up) {
			t.Errorf("LastScaleUp = %v, want the scale-up at %v", got, up)
		}
		e.src.Set("rps", refA, 40)
		_ = e.loop.Tick(t.Context(), time.Now()) // down
		if got := e.loop.LastScaleUp(refA); !got.IsZero() {
			t.Errorf("after a scale-down LastScaleUp = %v, want zero", got)
		}
	})
}
