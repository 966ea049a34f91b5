package idler

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// stoppedActuator answers every proposal as an actuator whose worker pool
// has stopped (the end of a leadership term, a shutdown) does.
type stoppedActuator struct{}

func (stoppedActuator) Submit(_ context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	done(actuator.Outcome{Intent: in, Code: actuator.CodeStopped, At: time.Now(), Reason: "the worker pool stopped before it ran"})
}

// TestAStoppedActuatorDoesNotOverruleTheIdler: an idle function whose scale
// to zero was not run because the actuator's pool stopped is still idle,
// and the next cycle (the next term's) proposes it again. The idler worded
// it "overruled", as if someone had raised the function since it looked.
func TestAStoppedActuatorDoesNotOverruleTheIdler(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{Actuator: stoppedActuator{}}, function("a", 1, old, optIn()))
	now := time.Now()
	v := verdictOf(e.d.RunOnce(t.Context(), now), a)
	if v.Code != CodeIdle || !strings.Contains(v.Reason, "stopped") {
		t.Fatalf("scale to zero not run, the pool stopped: %s (%s), want idle with the reason saying so", v.Code, v.Reason)
	}
	e.setActuator(t, false)
	if v := verdictOf(e.d.RunOnce(t.Context(), now.Add(30*time.Second)), a); v.Code != CodeIdle {
		t.Fatalf("next cycle: %s (%s), want idle", v.Code, v.Reason)
	}
	if fn, _ := e.p.Function(t.Context(), a); fn.Replicas != 0 {
		t.Errorf("replicas after the next cycle %d, want 0", fn.Replicas)
	}
}
