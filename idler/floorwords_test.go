package idler

import (
	"sync/atomic"
	"testing"
	"time"
)

// learningSource is fakeSource with the shortest covered window of a
// Prometheus source that learns its scrape interval: three max gaps while
// it does not know it, three and a quarter intervals once it does.
type learningSource struct {
	*fakeSource
	floor *atomic.Int64 // a time.Duration
}

func (s learningSource) ShortestCoveredWindow() time.Duration { return time.Duration(s.floor.Load()) }

// TestAutoKeepAliveWordsFollowTheSourcesFloor: the explain API's words for
// an automatic keep-alive say which query window is used and why. While the
// source's shortest covered window is 3m (scrape interval not learned yet),
// a 30s plan is queried over 3m, and says so; once the source has learned a
// 5s interval (16.25s floor), it is queried over 30s, and must say that,
// not keep the words of the first cycles.
//
// Seen failing before the fix:
// floorwords_test.go:52: after the floor fell to 16.25s: keepAlive 30s,
// source "auto: learned (policy 30s; 3m0s query window, the shortest the
// metrics source covers)", want 30s, "auto: learned (policy 30s, rounded
// up to the 30s query window)"
func TestAutoKeepAliveWordsFollowTheSourcesFloor(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{KeepAlive: fixedPolicy{"a": 30 * time.Second}},
		function("a", 1, old, optIn(LabelZeroDuration, ZeroDurationAuto)))
	e.src.invoke(a) // active: the function stays, cycle after cycle
	floor := new(atomic.Int64)
	floor.Store(int64(3 * time.Minute))
	e.d.cfg.Source = learningSource{fakeSource: e.src, floor: floor}
	now := time.Now()
	check := func(when, keep, source string) {
		t.Helper()
		x, _ := e.d.Explain(a)
		if got := x.(Explanation); got.KeepAlive != keep || got.KeepAliveSource != source {
			t.Errorf("%s: keepAlive %s, source %q, want %s, %q", when, got.KeepAlive, got.KeepAliveSource, keep, source)
		}
	}
	e.d.RunOnce(t.Context(), now)
	check("interval not learned", "3m0s", "auto: learned (policy 30s; 3m0s query window, the shortest the metrics source covers)")
	floor.Store(int64(16250 * time.Millisecond))
	e.d.RunOnce(t.Context(), now.Add(30*time.Second))
	check("after the floor fell to 16.25s", "30s", "auto: learned (policy 30s, rounded up to the 30s query window)")
	if q := e.src.queries(); q[len(q)-1] != 30*time.Second {
		t.Errorf("queried over %s after the floor fell, want 30s", q[len(q)-1])
	}
}
