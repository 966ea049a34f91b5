package scaler

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// review51AQIdle applies an idler's scale to zero through a, as the idler
// does through the controller's one actuator.
func review51AQIdle(t *testing.T, a *actuator.Actuator, ref provider.Ref, from uint64) {
	t.Helper()
	o := a.Apply(context.Background(), actuator.Intent{Ref: ref, From: from, To: 0, Who: actuator.Idler, Code: "idle", Observed: time.Now()})
	if o.Code != actuator.CodeApplied {
		t.Fatalf("setup: idle: %+v", o)
	}
}

// review51AQQueueAfterIdle idles a function through the loop's actuator,
// lets messages arrive 2 s later, ticks, and returns the replicas then and
// the last decision.
func review51AQQueueAfterIdle(t *testing.T, labels map[string]string) (uint64, explain.Decision) {
	var a *actuator.Actuator
	e := newLoopEnv(t, func(c *LoopConfig) {
		a = newActuator(t, c.Provider.(provider.Provider), nil, false)
		c.Actuator = a
	}, function(refA, 1, labels))
	e.src.Set("rps", refA, 0)
	e.src.Set("queue", refA, 0)
	ctx := t.Context()
	if err := e.loop.Tick(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	review51AQIdle(t, a, refA, 1) // no messages: the idler may idle it
	time.Sleep(2 * time.Second)
	e.src.Set("queue", refA, 3) // three async requests arrive
	if err := e.loop.Tick(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	f, _ := e.loop.Explain(refA)
	return e.prov.replicas(refA), f.Decisions[0]
}

// metricsource/queue.go: "a queue reading is a level now, not an average";
// prometheus/queries.go reads the queue type as the backlog now for every
// window; wake.go's wakeForBacklog: "queued work is counted now"
// (Evidence 0). The actuator drops a wake from zero whose evidence began
// before the idle (stale_evidence).
//
// Defect: wakeFromZero gives a queue-type function's wake the burst
// window as its evidence (the stable window when the burst reading is
// missing), as if the backlog were an average over it. Three messages that
// arrive 2 s after the idler parked the function (at the idle there were
// none: the idler never idles with messages queued) are read as load
// "measured since" before the idle and the wake is dropped as
// stale_evidence; the messages wait until a burst window has passed since
// the idle. The same three messages for an rps function wake it at once
// (the control below). Expected: a queue-type wake on the backlog is
// counted now (Evidence 0), as wakeForBacklog's is.
// Cause: scaler/wake.go:28 and :32 (d.Evidence = obs.BurstWindow /
// obs.StableWindow for every type, queue included).
func TestReview51AQQueueWakeRightAfterAnIdleIsDroppedAsStaleEvidence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, rec := review51AQQueueAfterIdle(t, map[string]string{LabelType: "queue", LabelMin: "0", LabelMax: "20", LabelTarget: "50"})
		if n != 1 {
			t.Errorf("queue-type function, 3 messages arriving 2 s after it was idled: %d replicas after the tick (%s: %q → %s); "+
				"want 1 (the backlog is a level now, not evidence from before the idle)", n, rec.Code, rec.Reason, rec.Result)
		}
	})
	// Control: an rps function with the same backlog wakes at once.
	synctest.Test(t, func(t *testing.T) {
		if n, rec := review51AQQueueAfterIdle(t, nil); n != 1 {
			t.Fatalf("control: rps function with 3 queued: %d (%s: %q → %s)", n, rec.Code, rec.Reason, rec.Result)
		}
	})
}

// README (Asynchronous functions): "A function of another type at zero
// with messages queued is woken to its min too: by the periodic loop"; the
// commit that added it (2e7cb7e): "so JetStream-only clusters, which have
// no queue alert, do not leave async work waiting"; queue.go's
// wakeForBacklog: at zero its messages raise no rps, "so its own type's
// load would never wake it and they would wait for ever (faas#1131)".
//
// Defect: a step-mode function (com.openfaas.scale.type=step, opted in to
// idling) at zero with messages queued is never woken by the periodic
// loop: backlogAtZero does not read the queue for step functions and
// decideStep never looks at Observation.Queued. Its only trigger is an rps
// alert, which messages waiting at zero never raise, so with the JetStream
// backlog source (no queue alert) the messages wait for ever. Expected:
// woken to its floor, as every other type (static included) is.
// Cause: scaler/queue.go:102 (!ps.spec.Step() in backlogAtZero) and
// scaler/step.go:90 and :427 (zeroIdle without the backlog).
func TestReview51AQStepFunctionAtZeroWithMessagesQueuedNeverWakes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		labels := map[string]string{LabelType: TypeStep, LabelMin: "1", LabelMax: "20", LabelZero: "true"}
		e := newLoopEnv(t, nil, function(refA, 0, labels))
		e.src.Set("rps", refA, 0)
		e.src.Set("queue", refA, 5)
		ctx := t.Context()
		for range 3 {
			if err := e.loop.Tick(ctx, time.Now()); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			time.Sleep(30 * time.Second)
		}
		if n := e.prov.replicas(refA); n != 1 {
			f, _ := e.loop.Explain(refA)
			rec := f.Decisions[0]
			t.Errorf("step-mode function at zero with 5 messages queued, after three ticks: %d replicas (%s: %q); want 1 (woken to its floor)",
				n, rec.Code, rec.Reason)
		}
	})
}

// README (Asynchronous functions): a function of another type at zero with
// messages queued "is woken to its min too: ... at once by the generated
// FunctionAtZeroWithLoad{trigger="queued"} alert"; rules/queue.go labels
// that alert scaling_type="queue" "so the controller wakes the function to
// its minimum without reading the message count as its own type's load".
//
// Defect: for a step-mode function the alert is taken as a scale-up step
// alert: one queued message wakes it to a full step (4 of max 20 at factor
// 20), not its min 1, and its resolution (as soon as the replica gauge
// leaves 0) starts a step-down ramp from there. Expected: woken to its
// floor, as the rps/capacity/cpu/custom types are (wakeFromZero: a firing
// alert of another scaling type wakes to max(min, 1)).
// Cause: scaler/step.go:57 (decideStep's firing case reads no ScalingType).
func TestReview51AQQueuedAtZeroAlertStepsAStepFunctionAFullStep(t *testing.T) {
	spec := specFrom(func(s *Spec) { s.Type, s.Min, s.Max, s.Factor = TypeStep, 1, 20, 20 })
	sig := &Signal{Status: Firing, AlertName: "FunctionAtZeroWithLoad", ScalingType: "queue", Fingerprint: "fq",
		StartsAt: t0, Received: t0, Load: ptr(1)}
	d := Decide(spec, Observation{Replicas: 0, Signal: sig, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0)
	if d.Replicas != 1 {
		t.Errorf("step-mode function (min 1, max 20, factor 20) at zero, the queued-at-zero alert (1 message) firing: woken to %d (%s: %q); want 1, its min",
			d.Replicas, d.Code, d.Reason)
	}
	// Control: an rps function is woken to its min by the same alert.
	rps := specFrom(func(s *Spec) { s.Min, s.Max = 1, 20 })
	if d := Decide(rps, Observation{Replicas: 0, Signal: sig, StableWindow: time.Minute, BurstWindow: 10 * time.Second}, State{}, t0); d.Replicas != 1 {
		t.Fatalf("control: rps function woken to %d by the queued alert (%s: %q)", d.Replicas, d.Code, d.Reason)
	}
}
