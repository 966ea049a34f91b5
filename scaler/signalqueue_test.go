package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// One notification (or two before the loop wakes) can carry a firing and a
// resolved alert about the same function: OpenFaaS CE's route groups every
// function's APIHighInvocationRate into one batch, and a function's series
// under its bare and its qualified name map to one function. The queue kept
// the last, so in step mode the firing alert's step was lost and a step
// down began instead. Seen failing before the fix (found by a review):
// 2 replicas, want 3.
func TestAFiringAlertIsNotReplacedByAnotherAlertsResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10"} // step 1
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels), function(refB, 2, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		firing := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "qualified", StartsAt: now}
		other := Signal{Ref: refA, Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: "bare", StartsAt: now.Add(-time.Minute)}
		// refB: the same alert firing, then resolved (the same fingerprint):
		// the newer news of one alert still replaces the older.
		bFiring, bResolved := firing, firing
		bFiring.Ref, bResolved.Ref, bResolved.Status = refB, refB, Resolved
		for _, s := range []Signal{firing, other, bFiring, bResolved} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Errorf("a firing alert (step 1) from 2 replicas with another alert resolving: %d replicas, want 3", got)
		}
		if got := e.prov.replicas(refB); got != 2 {
			t.Errorf("an alert firing then resolved before the loop woke: %d replicas, want 2 (the resolution)", got)
		}
	})
}

// Notify answers nil once a signal is queued, so the webhook answers 200 and
// AlertManager does not send it again (a resolution is sent once). When the
// function's read then failed once, the signal was dropped: in step mode a
// resolution is what starts the step down, so the function kept its count
// for good. Now it is queued again and the next pass acts on it. Seen failing
// before the fix (found by a review): 4 replicas an hour later, want 1.
func TestASignalOutlivesAFailedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10", LabelMin: "1"}
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 4, labels), function(refB, 4, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		e.prov.FailFunction(refA, 1, errDown) // one failed read of refA
		for _, ref := range []provider.Ref{refA, refB} {
			if err := e.loop.Notify(t.Context(), Signal{Ref: ref, Status: Resolved, AlertName: "APIHighInvocationRate",
				Fingerprint: "fp-" + ref.Name, StartsAt: now.Add(-time.Minute)}); err != nil {
				t.Fatalf("Notify(%s) = %v: the webhook would not answer 200", ref, err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err == nil {
			t.Fatal("refA's read failed, and EvaluatePending said nothing")
		}
		for range 12 { // an hour of passes, far past the down window
			time.Sleep(5 * time.Minute)
			if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
		}
		for _, ref := range []provider.Ref{refA, refB} {
			if got := e.prov.replicas(ref); got != 1 {
				t.Errorf("%s: a resolution accepted, then one failed read: %d replicas an hour later, want min 1", ref, got)
			}
		}
	})
}

// A signal whose function is gone is not queued again, and a retry does not
// replace a signal that came while the read failed (the newer news).
func TestARetriedSignalGivesWayToNewerNews(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e *loopEnv
		var onRead func()
		e = newLoopEnv(t, func(c *LoopConfig) {
			c.Interval = time.Hour
			c.Provider = readHook{Provider: c.Provider, before: func() {
				if onRead != nil {
					onRead()
				}
			}}
		}, function(refA, 2, nil), function(refB, 2, nil))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		old := Signal{Ref: refA, Status: Firing, AlertName: "A", Fingerprint: "a", Load: ptr(500)}
		newer := old
		newer.Status = Resolved
		gone := Signal{Ref: refB, Status: Firing, AlertName: "B", Fingerprint: "b"}
		for _, s := range []Signal{old, gone} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		e.prov.FailFunction(refA, 1, errDown)
		if err := e.prov.Remove(refB); err != nil {
			t.Fatal(err)
		}
		onRead = func() {
			onRead = nil
			if err := e.loop.Notify(t.Context(), newer); err != nil {
				t.Error(err)
			}
		}
		_ = e.loop.EvaluatePending(t.Context(), time.Now())
		e.loop.mu.Lock()
		defer e.loop.mu.Unlock()
		if q, ok := e.loop.pending[refA]; !ok || q.Status != Resolved {
			t.Errorf("queued for %s: %+v (queued %v), want the resolution that came during the failed read", refA, q, ok)
		}
		if q, ok := e.loop.pending[refB]; ok {
			t.Errorf("queued for %s, which is gone: %+v", refB, q)
		}
	})
}

// readHook runs before before every read of one function.
type readHook struct {
	Provider
	before func()
}

func (h readHook) Function(ctx context.Context, ref provider.Ref) (provider.Function, error) {
	h.before()
	return h.Provider.Function(ctx, ref)
}
