package scaler

import (
	"strings"
	"testing"
	"time"
)

// TestStepRetryOfANotificationIsADuplicatePastStepDedup: a firing alert
// handed on with RetryOf (the webhook answered its notification 5xx and
// AlertManager sends it again until a 2xx, 10 s and more later) is a
// duplicate of the step taken on its instance since RetryOf, in step mode
// and exact CE, however long after; the same copy without RetryOf (a repeat
// of an acknowledged notification) steps past StepDedup, as CE does. A step
// taken before the notification was first received (an earlier, acknowledged
// one) does not make its retry a duplicate.
func TestStepRetryOfANotificationIsADuplicatePastStepDedup(t *testing.T) {
	startsAt := t0.Add(-time.Minute)
	for _, exact := range []bool{false, true} {
		spec := stepSpec(func(s *Spec) { s.ExactCE, s.Max, s.Factor = exact, 20, 20 })
		if exact {
			spec.Max = 5
		}
		first := firing("fp", startsAt)
		first.Received = t0
		dec := Decide(spec, withSignal(1, first), State{}, t0.Add(100*time.Millisecond))
		if dec.Code != CodeStepUp {
			t.Fatalf("exact CE %v: setup: %s %q", exact, dec.Code, dec.Reason)
		}
		stepped := dec.Next
		later := t0.Add(21 * time.Second) // past StepDedup: two group_intervals of retries
		retry := *first
		retry.Received, retry.RetryOf = later, t0
		if got := Decide(spec, withSignal(dec.Replicas, &retry), stepped, later); got.Code != CodeDuplicate || got.Replicas != dec.Replicas ||
			!strings.Contains(got.Reason, "retrying") {
			t.Errorf("exact CE %v: a retry 21 s after the notification stepped on: %d replicas (%s: %q), want %d, a duplicate",
				exact, got.Replicas, got.Code, got.Reason, dec.Replicas)
		}
		repeat := *first
		repeat.Received = later
		if got := Decide(spec, withSignal(dec.Replicas, &repeat), stepped, later); got.Code != CodeStepUp {
			t.Errorf("exact CE %v: a repeat of an acknowledged notification 21 s later: %s %q, want a step", exact, got.Code, got.Reason)
		}
		// The retried notification was first received after the last step:
		// that step was an earlier notification's, so this one steps once.
		fresh := *first
		fresh.Received, fresh.RetryOf = later, t0.Add(20*time.Second)
		if got := Decide(spec, withSignal(dec.Replicas, &fresh), stepped, later); got.Code != CodeStepUp {
			t.Errorf("exact CE %v: a retry of a notification first received after the last step: %s %q, want a step", exact, got.Code, got.Reason)
		}
	}
}
