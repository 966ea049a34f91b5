package scaler

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
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

func TestOneScaleAtATimePerFunction(t *testing.T) {
	e := newLoopEnv(t, nil, function(refA, 1, nil))
	e.src.Set("rps", refA, 200)
	block := make(chan struct{})
	e.prov.block = block
	var wg sync.WaitGroup
	wg.Go(func() { _ = e.loop.Tick(t.Context(), time.Now()) })
	wg.Go(func() { _, _ = e.loop.EvaluateNow(t.Context(), refA, &Signal{Ref: refA, Status: Firing}, time.Now()) })
	wg.Go(func() { _ = e.loop.Tick(t.Context(), time.Now()) })
	close(block)
	wg.Wait()
	if e.prov.overlap {
		t.Error("two Scale calls for one function overlapped")
	}
	if calls := e.prov.takeCalls(); len(calls) != 1 {
		t.Errorf("%d Scale calls, want 1 (the later passes see the new count): %v", len(calls), calls)
	}
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
