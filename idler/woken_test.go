package idler

import (
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A wake from zero the source saw (Activity.Woken) guards the keep-alive
// as one the idler saw live: a fresh idler (after a restart) does not idle
// the function until the keep-alive since the wake has passed, and does
// afterwards. A later live wake is not pulled back by an older one.
//
// Seen failing: with rememberWake's body removed, the first cycle idles "a"
// as "never invoked (no series) in the last 1m0s".
func TestWokenFromSourceGuardsKeepAlive(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "1m")))
	now := time.Now()
	e.src.woken = map[provider.Ref]time.Time{ref("a"): now.Add(-10 * time.Second)}
	v := verdictOf(e.d.RunOnce(t.Context(), now), ref("a"))
	if v.Code != CodeRecentlyScaled || !strings.Contains(v.Reason, "woken from zero 10s ago") {
		t.Fatalf("woken 10s ago (source): %s %q, want recently_scaled", v.Code, v.Reason)
	}
	if want := now.Add(50 * time.Second); !v.WouldIdleAt.Equal(want) {
		t.Errorf("WouldIdleAt %s, want the wake + 1m", v.WouldIdleAt.Sub(now))
	}
	if e.p.replicas(ref("a")) != 1 {
		t.Fatal("a was scaled to zero")
	}
	// The source forgets the wake once it is a window old; the idler's
	// memory of it (now its own) ends at the same time.
	e.src.woken = nil
	if v := verdictOf(e.d.RunOnce(t.Context(), now.Add(49*time.Second)), ref("a")); v.Code != CodeRecentlyScaled {
		t.Errorf("49s later: %s %q, want still recently_scaled", v.Code, v.Reason)
	}
	if v := verdictOf(e.d.RunOnce(t.Context(), now.Add(51*time.Second)), ref("a")); v.Code != CodeIdle {
		t.Errorf("past the keep-alive since the wake: %s %q, want idle", v.Code, v.Reason)
	}
}
