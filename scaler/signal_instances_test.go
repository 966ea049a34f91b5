package scaler

import (
	"testing"
	"testing/synctest"
	"time"
)

// An alert's instances share a fingerprint (AlertManager's hash of the
// labels); StartsAt tells them apart. A resolved notification of an OLD
// instance (StartsAt T1) can arrive after the NEW instance (StartsAt T2 > T1)
// fired and was stepped on: two AlertManager replicas (HA) each send, and
// AlertManager's store replaces the firing instance by a resolved one whose
// interval does not overlap it (HA Prometheus, restarts), so the resolution
// is notified after the newer firing. It says nothing about the instance that
// is firing now.
//
// Exact CE: the old resolution dropped the function from 3 to min 1 while
// the newer alert still fired. Plain step mode: it started a step-down ramp
// under a firing alert.
func TestOldInstanceResolutionDoesNotUndoNewerFiring(t *testing.T) {
	t1 := t0.Add(-10 * time.Minute) // the old instance's start
	t2 := t0.Add(-20 * time.Second) // the instance firing now

	t.Run("exact CE", func(t *testing.T) {
		spec := stepSpec(func(s *Spec) { s.ExactCE = true; s.Max = 5; s.Factor = 20; s.DownWindow = 0 }) // step 1
		d := Decide(spec, withSignal(2, firing("fp", t2)), State{}, t0)
		if d.Replicas != 3 {
			t.Fatalf("setup: firing from 2 gave %d (%s)", d.Replicas, d.Code)
		}
		d = Decide(spec, withSignal(3, resolved("fp", t1)), d.Next, t0.Add(2*time.Second))
		if d.Replicas != 3 {
			t.Errorf("resolution of the older instance (StartsAt %s) after the newer one (StartsAt %s) stepped: %d replicas (%s: %q), want keep 3",
				t1.Format(time.TimeOnly), t2.Format(time.TimeOnly), d.Replicas, d.Code, d.Reason)
		}
	})

	t.Run("step", func(t *testing.T) {
		spec := stepSpec(func(s *Spec) { s.Max = 20; s.Factor = 25; s.Min = 1 }) // step 5, down window 2m
		d := Decide(spec, withSignal(5, firing("fp", t2)), State{}, t0)
		if d.Replicas != 10 {
			t.Fatalf("setup: firing from 5 gave %d (%s)", d.Replicas, d.Code)
		}
		d = Decide(spec, withSignal(10, resolved("fp", t1)), d.Next, t0.Add(2*time.Second))
		// One tick a minute later, the newer alert still firing (its
		// repeat not due yet): nothing should have started a way down.
		d = Decide(spec, withSignal(d.Replicas, nil), d.Next, t0.Add(62*time.Second))
		if d.Replicas != 10 {
			t.Errorf("resolution of the older instance started a step down under the newer firing one: %d replicas a minute later (%s: %q), want keep 10",
				d.Replicas, d.Code, d.Reason)
		}
	})
}

// The same at the loop's queue: a firing alert (new instance) is queued, and
// before the loop wakes the older instance's resolution (same fingerprint)
// arrives. queueLocked treats it as "newer news of the same alert" and
// replaces the firing signal: the step is lost and a step down starts.
func TestQueuedFiringNotReplacedByOlderInstanceResolution(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "10"} // step 1
		e := newLoopEnv(t, func(c *LoopConfig) { c.Interval = time.Hour }, function(refA, 2, labels))
		if err := e.loop.Tick(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		newer := Signal{Ref: refA, Status: Firing, AlertName: "FunctionStepRateHigh", Fingerprint: "fp", StartsAt: now.Add(-5 * time.Second), Received: now}
		older := Signal{Ref: refA, Status: Resolved, AlertName: "FunctionStepRateHigh", Fingerprint: "fp", StartsAt: now.Add(-10 * time.Minute), Received: now}
		for _, s := range []Signal{newer, older} {
			if err := e.loop.Notify(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.loop.EvaluatePending(t.Context(), time.Now()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := e.prov.replicas(refA); got != 3 {
			t.Errorf("firing (new instance) then resolved (older instance, same fingerprint) queued: %d replicas, want 3 (the firing step)", got)
		}
	})
}

// AlertManager's repeat carries the annotations as Prometheus last sent them;
// Prometheus re-sends an unchanged firing alert only every resend-delay (1m),
// so a repeat's `load` can be a minute old. The story: FunctionLoadAboveTarget
// fired at t0 with load 120 (2 replicas, threshold 50×2×1.1 = 110) and was
// acted on (→ 3). Around t0+60s the rule's irate spiked to 400 and Prometheus
// re-sent the alert with that value (AlertManager notifies nothing: the
// group did not change). At the repeat, t0+90s, the spike is over: the rule
// still fires (its fresh load 180 > 50×3×1.1 = 165), the controller reads
// 150 over its burst window and 100 over its stable window, which need 4
// replicas. The decision took the repeat's 400 as "the freshest
// short-window reading", entered burst mode and scaled 3 → 9 after the load
// had fallen.
func TestRepeatedAlertsStaleLoadDoesNotScaleUp(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Max = 20 }) // rps, 50 × 0.9 = 45 per replica
	startsAt := t0
	first := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "fp",
		StartsAt: startsAt, Received: t0, Load: ptr(120)}
	obs := Observation{Replicas: 2, Available: 2, StableLoad: ptr(40), StableWindow: time.Minute,
		BurstLoad: ptr(100), BurstWindow: 10 * time.Second, Signal: first}
	d := Decide(spec, obs, State{}, t0)
	if d.Replicas != 3 {
		t.Fatalf("setup: first notification gave %d (%s: %q)", d.Replicas, d.Code, d.Reason)
	}
	now := t0.Add(90 * time.Second)
	repeat := &Signal{Status: Firing, AlertName: "FunctionLoadAboveTarget", ScalingType: "rps", Fingerprint: "fp",
		StartsAt: startsAt, Received: now, Load: ptr(400)} // as Prometheus sent it at t0+60s
	obs = Observation{Replicas: 3, Available: 3, StableLoad: ptr(100), StableWindow: time.Minute,
		BurstLoad: ptr(150), BurstWindow: 10 * time.Second, Signal: repeat}
	d = Decide(spec, obs, d.Next, now)
	if d.Replicas > 4 {
		t.Errorf("repeat notification of an alert firing since %s carried a stale load 400 while the fresh readings are 150 (burst) and 100 (stable): "+
			"scaled to %d (%s: %q), want at most the 4 the readings need", startsAt.Format(time.TimeOnly), d.Replicas, d.Code, d.Reason)
	}
}

// The generated rules include FunctionLoadBelowTarget (direction="down",
// on by default): it fires while a function could do with fewer replicas,
// and its load annotation is the low load. The scaler treats every firing
// alert as a reason to wake a function at zero: a function idled while that
// alert fired (a down window longer than its zero duration), then the
// alert's repeat (AlertManager still has it firing until Prometheus sees the
// replicas gauge at 0) woke it 0 → 1, "at zero with a firing alert
// FunctionLoadBelowTarget". The decision's Evidence is 0, so the actuator's
// stale-evidence guard (a wake on evidence older than the idle) does not
// stop it.
func TestFiringScaleDownAlertDoesNotWakeFromZero(t *testing.T) {
	spec := specFrom(nil) // min 1, zero allowed by the idler
	down := &Signal{Status: Firing, AlertName: "FunctionLoadBelowTarget", ScalingType: "rps", Fingerprint: "fp",
		StartsAt: t0.Add(-20 * time.Minute), Received: t0, Load: ptr(0), Down: true}
	obs := Observation{Replicas: 0, Available: 0, StableLoad: ptr(0), StableWindow: time.Minute,
		BurstLoad: ptr(0), BurstWindow: 10 * time.Second, Signal: down}
	if d := Decide(spec, obs, State{}, t0); d.Replicas != 0 {
		t.Errorf("function at zero, no load, a firing scale-DOWN alert with load 0: %d replicas (%s: %q), want 0",
			d.Replicas, d.Code, d.Reason)
	}
}

// Exact CE steps on every notification that carries a firing alert, as the
// CE gateway does. With CE's AlertManager config (group_by alertname,
// cluster, service: every function in one group; group_interval 10s), a
// change in the group (another function's alert starting or resolving)
// re-sends this function's firing alert one group_interval after the last
// notification, and CE steps again. StepDedup is 10s, exactly that
// interval, measured between evaluation times: when the earlier notification
// was evaluated a little later than the next one (the loop waited for a pass,
// network jitter), the second falls at 9.9s and is taken for a duplicate.
func TestExactCEStepsOnEachGroupIntervalNotification(t *testing.T) {
	d := CEDefaults()
	spec := stepSpec(func(s *Spec) {
		s.ExactCE, s.Max, s.Factor, s.DownWindow, s.StepDedup = d.ExactCE, d.Max, d.Factor, d.DownWindow, d.StepDedup
	})
	startsAt := t0.Add(-time.Minute)
	flush := t0                                // AlertManager's flush times: flush, flush + 10s
	first := flush.Add(300 * time.Millisecond) // evaluated after a 300 ms pass held passMu
	second := flush.Add(10*time.Second + 50*time.Millisecond)
	sig1, sig2 := firing("fp", startsAt), firing("fp", startsAt)
	sig1.Received = flush.Add(5 * time.Millisecond)
	sig2.Received = flush.Add(10*time.Second + 5*time.Millisecond)
	dec := Decide(spec, withSignal(1, sig1), State{}, first)
	if dec.Replicas != 2 {
		t.Fatalf("setup: %d (%s)", dec.Replicas, dec.Code)
	}
	dec = Decide(spec, withSignal(2, sig2), dec.Next, second)
	if dec.Replicas != 3 {
		t.Errorf("exact CE: a second notification one group_interval (10s) later: %d replicas (%s: %q), want 3 as the CE gateway steps on each notification",
			dec.Replicas, dec.Code, dec.Reason)
	}
}
