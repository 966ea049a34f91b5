package idler

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestExplain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "5m")),
			function("s", 1, old, map[string]string{MinScheduleLabel: "* * * * * for 1h = 1"}))
		if _, ok := e.d.Explain(ref("a")); ok {
			t.Fatal("explanation before any cycle")
		}
		e.src.invoke(ref("a"))
		seen := time.Now()
		time.Sleep(time.Minute)
		e.d.RunOnce(t.Context(), time.Now())
		x, _ := e.d.Explain(ref("a"))
		ex := x.(Explanation)
		if ex.Code != CodeActive || !ex.LastActivitySeen.Equal(time.Now()) || !ex.WouldIdleAt.Equal(time.Now().Add(5*time.Minute)) ||
			ex.KeepAlive != "5m0s" || ex.KeepAliveSource != "label" || !ex.OptedIn {
			t.Errorf("active explanation %+v", ex)
		}
		time.Sleep(5 * time.Minute)
		e.d.RunOnce(t.Context(), time.Now())
		ex = mustExplain(t, e.d, "a")
		if ex.Code != CodeIdle || ex.LastAction != "scaled to zero" || ex.Replicas != 0 || !ex.IdleSince.Equal(time.Now().Add(-5*time.Minute)) {
			t.Errorf("idle explanation %+v (invoked at %v)", ex, seen)
		}
		ex = mustExplain(t, e.d, "s")
		if ex.ScheduledMinimum != 1 || !strings.Contains(ex.Schedule, "for 1h0m0s = 1") || ex.MinSchedule == "" || ex.OptedIn {
			t.Errorf("schedule explanation %+v", ex)
		}
		if e.d.Name() != "idle" {
			t.Error(e.d.Name())
		}
	})
}

func mustExplain(t *testing.T, d *Idler, name string) Explanation {
	t.Helper()
	x, ok := d.Explain(ref(name))
	if !ok {
		t.Fatalf("no explanation for %s", name)
	}
	return x.(Explanation)
}

// Explain is served over HTTP while cycles run: no data race (go test -race).
func TestExplainDuringCycles(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	e := newEnv(t, Config{MaintainMin: true}, function("a", 1, old, optIn()), function("b", 0, old, nil))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			e.d.Explain(ref("a"))
			e.d.Explain(ref("b"))
		}
	}()
	for range 20 {
		e.d.RunOnce(t.Context(), time.Now())
	}
	<-done
	if ex := mustExplain(t, e.d, "b"); ex.Replicas != 1 || !strings.HasPrefix(ex.LastAction, "restored to 1") || ex.LastActionAt.IsZero() {
		t.Errorf("b: %+v", ex)
	}
}
