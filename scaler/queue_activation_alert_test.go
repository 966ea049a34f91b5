package scaler

import (
	"testing"
	"time"
)

// A queue-type function at zero with a backlog below its activation
// threshold stays at zero on a tick (TestQueueWake), but the generated
// FunctionAtZeroWithLoad alert (rules: load > 0 and replicas == 0, which
// queue-type functions get, rules/queue.go leaves them to it) fires on the
// same backlog and its webhook woke the function: wakeFromZero zeroed the
// need below the threshold and then woke it anyway because an alert fired.
// The alert's own load (5 messages, of type queue) says the backlog is
// below the threshold of 10: it does not wake what the tick leaves. Found
// by a review helper.
func TestQueueActivationHoldsOnFiringAlertBelowThreshold(t *testing.T) {
	now := time.Unix(1e9, 0)
	spec := queueSpec(t, map[string]string{LabelQueueActivation: "10"})
	obs := Observation{StableLoad: f64(5), BurstLoad: f64(5), StableWindow: time.Minute, BurstWindow: 10 * time.Second}

	tick := Decide(spec, obs, State{}, now)
	if tick.Replicas != 0 || tick.Code != CodeAtZeroIdle {
		t.Fatalf("tick: %d %s (%s), want 0 at_zero_idle (5 messages under the threshold 10)", tick.Replicas, tick.Code, tick.Reason)
	}

	obs.Signal = &Signal{Status: Firing, AlertName: "FunctionAtZeroWithLoad", ScalingType: "queue", Load: f64(5),
		Fingerprint: "f1", StartsAt: now.Add(-time.Second)}
	d := Decide(spec, obs, State{}, now)
	if d.Replicas != 0 {
		t.Errorf("the same backlog with its at-zero alert firing: %d %s (%s), want 0: the alert's load, 5, is below the activation threshold 10",
			d.Replicas, d.Code, d.Reason)
	}
}
