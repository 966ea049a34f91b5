package scaler

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestNoScaleDownInTheFirstDownWindow: a loop that finds a function at 14
// replicas (a restart after a burst, a failover) keeps them for one down
// window even though the load now needs 1, then steps down. Before, the
// first pass after a restart halved the function at once (14 → 7 → 4 → 2 →
// 1 every pass) because the down window's memory was lost with the process.
func TestNoScaleDownInTheFirstDownWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 14, nil))
		e.src.Set("rps", refA, 10) // needs 1 at the default target 50
		start := time.Now()
		for time.Since(start) < testDefaults().DownWindow-5*time.Second {
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := e.prov.replicas(refA); got != 14 {
				t.Fatalf("%s after the first sight: %d replicas, want 14 kept for the down window", time.Since(start), got)
			}
			time.Sleep(5 * time.Second)
		}
		time.Sleep(10 * time.Second)
		for range 6 {
			_ = e.loop.Tick(t.Context(), time.Now())
			time.Sleep(5 * time.Second)
		}
		if got := e.prov.replicas(refA); got >= 14 {
			t.Errorf("after the down window: still %d replicas, want the scale-down to proceed", got)
		}
	})
}

// TestNoScaleDownInANewTermsFirstDownWindow: a replica that led, lost the
// lease (an API server slow to renew it) and leads again an hour later
// finds a function at the count the other leader held. Its own memory of
// the function is an hour old, its recommendations long out of the down
// window, so its first pass scaled the function down on the load of the
// moment: the other leader's down window, which was holding those
// replicas, was lost as at a process restart. A new term is a first sight,
// as a start is.
func TestNoScaleDownInANewTermsFirstDownWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newLoopEnv(t, nil, function(refA, 14, nil))
		e.src.Set("rps", refA, 700) // needs 14 or more at the default target 50
		runTerm(t, e, time.Minute)
		time.Sleep(time.Hour)      // another replica leads, and keeps a's count
		e.src.Set("rps", refA, 10) // needs 1 now
		e.prov.takeCalls()
		held := e.prov.replicas(refA) // the first term's count
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = e.loop.Run(ctx) }()
		time.Sleep(testDefaults().DownWindow - 10*time.Second)
		if calls := e.prov.takeCalls(); len(calls) != 0 || e.prov.replicas(refA) != held {
			t.Errorf("in the new term's first down window: scale calls %v, %d replicas; want %d kept", calls, e.prov.replicas(refA), held)
		}
		time.Sleep(time.Minute)
		if got := e.prov.replicas(refA); got >= held {
			t.Errorf("after the new term's first down window: still %d replicas, want the scale-down to proceed", got)
		}
		cancel()
	})
}

// runTerm runs e.loop.Run for d (one leadership term) and returns when
// the term has ended.
func runTerm(t *testing.T, e *loopEnv, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.loop.Run(ctx) }()
	time.Sleep(d)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// lastScaleWhy is ref's most recent decision that scaled, with its code and
// reason, for failure messages.
func lastScaleWhy(e *loopEnv, ref provider.Ref) string {
	f, ok := e.loop.Explain(ref)
	if !ok {
		return "unknown function"
	}
	for _, d := range f.Decisions {
		if d.Scale {
			return fmt.Sprintf("%d → %d %s: %s", d.Current, d.Replicas, d.Code, d.Reason)
		}
	}
	return "no scaling decision"
}

// TestANewTermForgetsTheLastTermsStepRamp: a step-mode function was stepped up
// and its alert resolved while this replica led (a down-ramp started); the
// replica lost the lease 10 s later. Another replica led for an hour and
// stepped the function up to 7 on alerts of its own. This replica leads
// again with no alert at hand: the count it finds is the other leader's.
// The new term must treat it as a first sight (keep it); the ramp from an
// alert resolved an hour ago must not drop it to the floor.
//
// Seen failing before the fix (found by a review): first 30 s of the new
// term: 1 replicas (…; 7 → 1 step_down: alert resolved 1h0m10s ago, down
// window 2m0s over → 1), want the 7 found kept
func TestANewTermForgetsTheLastTermsStepRamp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "20"} // step 2
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = 5 * time.Second }, function(refA, 1, labels))
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.loop.Run(ctx) }()
		time.Sleep(time.Second) // the first pass has listed
		start := time.Now()
		sig := Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", ScalingType: TypeStep,
			Fingerprint: "fp", StartsAt: start, Received: start}
		if err := e.loop.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: firing step alert gave %d replicas, want 3", got)
		}
		sig.Status, sig.Received = Resolved, time.Now()
		if err := e.loop.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // the ramp has started; then the lease is lost
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Another replica leads for an hour and steps the function up on
		// alerts of its own (a write this replica never saw).
		time.Sleep(10 * time.Minute)
		if err := e.prov.Scale(t.Context(), refA, 7); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Minute)
		e.prov.takeCalls()
		runTerm(t, e, 30*time.Second) // leads again, no alert
		if got := e.prov.replicas(refA); got != 7 {
			t.Errorf("first 30 s of the new term: %d replicas (calls %v; %s), want the 7 found kept: "+
				"the ramp is from an alert resolved an hour ago", got, e.prov.takeCalls(), lastScaleWhy(e, refA))
		}
	})
}

// TestANewTermForgetsTheLastTermsAlertBase: an alert's load raised a function
// with no series (stable load missing) from 2 to 5 while this replica led;
// the lease was lost 5 s later. Another replica led for an hour and raised
// the function to 9 (on an alert of its own). This replica leads again:
// its first pass found 9, which, as at any first sight in a term, must be
// held for one down window, and the load is missing (no data: keep). It
// went straight back to the 2 remembered from an hour ago.
//
// Seen failing before the fix (found by a review): … 2 replicas (…; 9 → 2
// no_data: no rps load; the alert's load of 00:00:01 expired after 1m0s
// with no data to confirm it: back to 2), want the 9 found kept
func TestANewTermForgetsTheLastTermsAlertBase(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelMax: "20"} // rps, 45 per replica
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = 5 * time.Second }, function(refA, 2, labels))
		e.src.Set("rps", refB, 0) // the rps query answers; a has no series (missing, not zero)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- e.loop.Run(ctx) }()
		time.Sleep(time.Second)
		alert := Signal{Ref: refA, Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps",
			Fingerprint: "fp", StartsAt: time.Now(), Received: time.Now(), Load: ptr(200)}
		if err := e.loop.Notify(t.Context(), alert); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Second)
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("setup: the alert's load of 200/s gave %d replicas, want 5 (%s)", got, e.loop.lastReason(refA))
		}
		cancel() // the lease is lost
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Minute)
		if err := e.prov.Scale(t.Context(), refA, 9); err != nil { // the other leader's write
			t.Fatal(err)
		}
		time.Sleep(50 * time.Minute)
		e.prov.takeCalls()
		runTerm(t, e, 30*time.Second)
		if got := e.prov.replicas(refA); got != 9 {
			t.Errorf("first 30 s of the new term, load missing: %d replicas (calls %v; %s), want the 9 found kept",
				got, e.prov.takeCalls(), lastScaleWhy(e, refA))
		}
	})
}
