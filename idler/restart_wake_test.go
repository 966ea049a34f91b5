package idler

import (
	"strings"
	"testing"
	"time"
)

// TestNotIdledBeforeAWakeBeforeTheStartIsSeen: an idler that has just
// started (Run: a process start, a leadership term) cannot know of a wake
// from zero made a second before it, by an operator or by the pre-warm of
// the controller that stopped: the gateway reports replica counts every
// 5 s, so the wake is not in the metrics source yet, and the function, at
// one replica with no call, looks idle. The faults suite's restarted
// controller scaled such a function to zero 2.8 s after its wake, before
// its zero-duration. It now idles nothing until one gateway poll and one
// scrape gap have passed since it started (the fake source has no covered
// window, so 5 s), and says why; cycles run without Run are not held.
func TestNotIdledBeforeAWakeBeforeTheStartIsSeen(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{}, function("a", 1, old, optIn()))
	start := time.Now()
	e.d.mu.Lock()
	e.d.runStarted = start // as Run does
	e.d.mu.Unlock()
	v := verdictOf(e.d.RunOnce(t.Context(), start.Add(time.Second)), a)
	if v.Code != CodeMissingData || !strings.Contains(v.Reason, "wake from zero") {
		t.Fatalf("1s after the idler started: %s (%s), want missing_data naming a wake it may not see yet", v.Code, v.Reason)
	}
	if want := start.Add(GatewayReplicaPoll); !v.WouldIdleAt.Equal(want) {
		t.Errorf("would idle at %s, want one gateway poll after the start, %s", v.WouldIdleAt, want)
	}
	if v := verdictOf(e.d.RunOnce(t.Context(), start.Add(GatewayReplicaPoll+time.Second)), a); v.Code != CodeIdle {
		t.Errorf("once a wake before the start would show: %s (%s), want idle", v.Code, v.Reason)
	}
}
