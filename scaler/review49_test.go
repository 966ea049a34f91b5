package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// listHook runs before, once, while the pass lists the functions.
type listHook struct {
	Provider
	before *func()
}

func (h listHook) Functions(ctx context.Context, namespace string) ([]provider.Function, error) {
	if f := *h.before; f != nil {
		*h.before = nil
		f()
	}
	return h.Provider.Functions(ctx, namespace)
}

// TestReview49RetryOfAStepTakenByATickThatStartedEarlier: Run reads the
// pass's now before Tick lists the functions, and Tick takes the queued
// signals after the listing. An alert the webhook received during the
// listing (Received, and the notification's RetryOf, after now) is stepped
// with StepAt = now, before RetryOf: stepped() then does not know the
// notification's retry 7.4 s later as a duplicate and steps it again.
//
// Seen failing before the fix (a step is stamped no earlier than its
// signal's receipt, stepOn): the notification's retry 7.4 s later stepped
// again: 9 replicas, want 5.
func TestReview49RetryOfAStepTakenByATickThatStartedEarlier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "20", LabelFactor: "20"} // step 4
		var hook func()
		e := newLoopEnv(t, func(c *LoopConfig) {
			c.Interval = time.Hour
			c.Provider = listHook{Provider: c.Provider, before: &hook}
		}, function(refA, 1, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		sig := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "fp", StartsAt: time.Now().Add(-time.Minute)}
		var received time.Time
		hook = func() {
			time.Sleep(800 * time.Millisecond) // a listing takes a while
			received = time.Now()
			first := sig
			first.Received = received
			_ = e.loop.Notify(t.Context(), first) // answered 503 beside another alert
		}
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 5 {
			t.Fatalf("control: the notification stepped 1 → %d, want 5", got)
		}
		time.Sleep(7400 * time.Millisecond) // AlertManager's 5th retry
		retry := sig
		retry.Received, retry.RetryOf = time.Now(), received
		if err := e.loop.Notify(t.Context(), retry); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 5 {
			t.Errorf("the notification's retry 7.4 s later stepped again: %d replicas, want 5 (one step per notification)", got)
		}
	})
}

// TestReview49RetryAfterAnotherAlertsStepIsADuplicate: State keeps only the
// last instance stepped on. A function with two alerts in two AlertManager
// groups (two rules, CE's group_by alertname; or its bare and qualified
// series grouped by function_name) has both notifications answered 503 at
// once (the provider error is the loop's). Once the other alert stepped,
// the first notification's retry is no longer known as stepped on and
// steps again, however long after: the one-step-per-notification promise
// holds only while no other alert steps the function.
//
// Seen failing before the fix (State keeps the instance stepped on before
// too, PrevStepKey): step_up to 13, want a duplicate at 9.
func TestReview49RetryAfterAnotherAlertsStepIsADuplicate(t *testing.T) {
	spec := stepSpec(func(s *Spec) { s.Max, s.Factor = 20, 20 })
	a := firing("fp-a", t0.Add(-time.Minute))
	a.Received = t0
	dec := Decide(spec, withSignal(1, a), State{}, t0.Add(100*time.Millisecond))
	if dec.Code != CodeStepUp || dec.Replicas != 5 {
		t.Fatalf("setup: %s %d %q", dec.Code, dec.Replicas, dec.Reason)
	}
	b := firing("fp-b", t0.Add(-time.Minute))
	b.AlertName, b.Received = "FunctionLoadHigh", t0.Add(time.Second)
	decB := Decide(spec, withSignal(5, b), dec.Next, t0.Add(time.Second))
	if decB.Code != CodeStepUp || decB.Replicas != 9 {
		t.Fatalf("setup: the other alert's notification: %s %d %q", decB.Code, decB.Replicas, decB.Reason)
	}
	retry := *a
	retry.Received, retry.RetryOf = t0.Add(7400*time.Millisecond), t0
	if got := Decide(spec, withSignal(9, &retry), decB.Next, retry.Received); got.Code != CodeDuplicate {
		t.Errorf("the retry of a notification stepped on at 12:00:00.1, after another alert's step: %s to %d (%q), want a duplicate at 9",
			got.Code, got.Replicas, got.Reason)
	}
}

// TestReview49RetryOfAStepNotAppliedSteps holds: a step the actuator could
// not apply is undone (outcome), so the notification's retry, past
// StepDedup and carrying RetryOf, steps then.
func TestReview49RetryOfAStepNotAppliedSteps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "20", LabelFactor: "20"} // step 4
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 1, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		received := time.Now()
		sig := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "fp",
			StartsAt: received.Add(-time.Minute), Received: received}
		e.prov.FailScale(refA, 1, errDown)
		if err := e.loop.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 1 {
			t.Fatalf("control: the failed scale left %d replicas", got)
		}
		time.Sleep(7400 * time.Millisecond)
		retry := sig
		retry.Received, retry.RetryOf = time.Now(), received
		if err := e.loop.Notify(t.Context(), retry); err != nil {
			t.Fatal(err)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 5 {
			t.Errorf("the retry of a notification whose step was not applied: %d replicas, want 5", got)
		}
	})
}
