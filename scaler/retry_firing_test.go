package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestRetriedFiringAlertNotReplacedByOtherAlertsResolution: a firing alert
// taken from the queue whose read fails is queued again, but was only when
// nothing came meanwhile (or a Down trigger did). Another alert's
// resolution arriving during the failed read took the slot, so the firing
// alert, already answered 200, was lost - although queueLocked never lets
// such a resolution replace a firing alert. In step mode the function then
// stepped down instead of up. Found by a review (helper-121).
func TestRetriedFiringAlertNotReplacedByOtherAlertsResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10"} // step 1
		var e *loopEnv
		var onRead func()
		e = newLoopEnv(t, func(c *LoopConfig) {
			c.Interval = time.Hour
			c.Provider = readHook{Provider: c.Provider, before: func() {
				if onRead != nil {
					onRead()
				}
			}}
		}, function(refA, 2, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		firing := Signal{Ref: refA, Status: Firing, AlertName: "APIHighInvocationRate", Fingerprint: "qualified", StartsAt: now}
		other := Signal{Ref: refA, Status: Resolved, AlertName: "APIHighInvocationRate", Fingerprint: "bare", StartsAt: now.Add(-time.Minute)}
		if err := e.loop.Notify(t.Context(), firing); err != nil {
			t.Fatal(err)
		}
		e.prov.FailFunction(refA, 1, errDown)
		onRead = func() {
			onRead = nil
			_ = e.loop.Notify(t.Context(), other)
		}
		_ = e.loop.EvaluatePending(t.Context(), time.Now())
		e.loop.mu.Lock()
		q, ok := e.loop.pending[refA]
		e.loop.mu.Unlock()
		if !ok || q.Status != Firing || q.Fingerprint != "qualified" {
			t.Errorf("queued for %s after a failed read: %+v (queued %v), want the firing alert kept over another alert's resolution", refA, q, ok)
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Errorf("firing alert (step 1) from 2 replicas, read failed once, another alert resolved meanwhile: %d replicas, want 3", got)
		}
	})
}
