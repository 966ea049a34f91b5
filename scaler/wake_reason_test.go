package scaler

import (
	"strings"
	"testing"
	"time"
)

// DESIGN.md: "Missing is not zero" and every decision returns "the number
// *and a reason*"; Observation: "nil means missing, which is never read as
// zero". wakeFromZero: "No short-window reading (missing, not zero): the
// stable one, with its age".
//
// A function at zero with no burst-window reading (missing) and a stable
// load of 135 is woken to 3 on the stable load, as designed; the reason
// once read the missing burst reading as zero: "at zero with load 0 over
// the last 10s (stable 135) ...: needs 3 → 3" -- a reason that says the
// last 10 s had no load and, in the same breath, that the load needs 3
// replicas. Expected: the reason says the burst reading is missing.
func TestWakeReasonDoesNotReadMissingBurstAsZero(t *testing.T) {
	stable := 135.0 // 3 replicas at 45
	obs := Observation{Replicas: 0, StableLoad: &stable, StableWindow: time.Minute, BurstWindow: 10 * time.Second}
	d := Decide(specFrom(nil), obs, State{}, t0)
	if d.Replicas != 3 {
		t.Fatalf("setup: woke to %d (%q), want 3", d.Replicas, d.Reason)
	}
	if strings.Contains(d.Reason, "load 0 over the last 10s") || !strings.Contains(d.Reason, "no load reading over the last 10s") {
		t.Errorf("reason %q reads the missing burst-window reading as a load of 0 (or does not say it is missing)", d.Reason)
	}
}
