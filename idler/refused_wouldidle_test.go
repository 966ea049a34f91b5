package idler

import (
	"testing"
	"time"
)

// TestRefusedWouldIdleAt: Verdict.WouldIdleAt is "the earliest time it
// could be idled if nothing else happens" (decide.go), shown as the idle
// section's would_idle_at. A refused verdict is not acted on ("the loop scales
// it to zero only when Code is CodeIdle") until RefusedUntil, which its own
// reason names ("retry after …"). WouldIdleAt stays now, 10 minutes before
// the idler would try again.
func TestRefusedWouldIdleAt(t *testing.T) {
	spec := ZeroSpec{OptIn: true, Duration: 10 * time.Minute}
	until := t0.Add(10 * time.Minute)
	in := Input{Spec: spec, KeepAlive: spec.Duration, Replicas: 1, Available: 1, CreatedAt: t0.Add(-time.Hour),
		Observation: quiet(), RefusedUntil: until}
	v := Decide(in, t0)
	if v.Code != CodeRefused {
		t.Fatalf("code %s, want refused: %s", v.Code, v.Reason)
	}
	if !v.WouldIdleAt.Equal(until) {
		t.Errorf("WouldIdleAt = %v, want %v (refused until then): %s", v.WouldIdleAt, until, v.Reason)
	}
}
