package scaler

import (
	"strings"
	"testing"
	"time"
)

// Test defaults: target 50 × 0.90 = 45 per replica, down window 2m, scale-down
// rate 0.5, tolerance 0.10, max 20. A load of 90 needs ceil(90/45) = 2.

// TestStabilisingNamesTheWindowsHighest: README "a scale-down
// stabilisation window: it scales down only to the highest recommendation in
// the window". With 9 in the window and 6 replicas running, the count kept is
// 6 because it is capped at the current count; the window's highest is 9.
// The reason says "highest in the 2m0s window is 6", naming a value that is
// not the window's highest (and hiding that the current count bound).
func TestStabilisingNamesTheWindowsHighest(t *testing.T) {
	spec := specFrom(nil)
	st := State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-time.Minute)), Replicas: 9}}}
	d := Decide(spec, obsOf(6, ptr(90)), st, t0)
	if d.Replicas != 6 || d.Code != CodeStabilising {
		t.Fatalf("decision %d %s, want 6 stabilising: %s", d.Replicas, d.Code, d.Reason)
	}
	if strings.Contains(d.Reason, "window is 6") || !strings.Contains(d.Reason, "9") {
		t.Errorf("reason %q: the highest recommendation in the window is 9 (held at the current 6)", d.Reason)
	}
}

// TestRateLimitedReasonKeepsTheLoadsCount: 10 replicas, load 90 needs
// 2 (Decision.Recommended = 2), the window holds 4, the scale-down limit
// ceil(0.5×10) = 5 binds → 5. The reason says "<load 90 …> wants 4": the load
// it quotes needs 2, and the window that asked for 4 is not mentioned. The
// reason must carry the load's count (2) or name the window.
func TestRateLimitedReasonKeepsTheLoadsCount(t *testing.T) {
	spec := specFrom(nil)
	st := State{Recommendations: []Recommendation{{At: InstantOf(t0.Add(-time.Minute)), Replicas: 4}}}
	d := Decide(spec, obsOf(10, ptr(90)), st, t0)
	if d.Replicas != 5 || d.Code != CodeRateLimited || d.Recommended != 2 {
		t.Fatalf("decision %d %s rec %d, want 5 rate_limited rec 2: %s", d.Replicas, d.Code, d.Recommended, d.Reason)
	}
	if !strings.Contains(d.Reason, "wants 2") && !strings.Contains(d.Reason, "window") {
		t.Errorf("reason %q: the load needs 2 and the window holds 4; neither is said", d.Reason)
	}
}
