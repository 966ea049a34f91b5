package idler

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestDecideQueued: a function with messages waiting is never idle, whatever
// its invocation counts; an empty or unknown queue changes nothing.
func TestDecideQueued(t *testing.T) {
	old := t0.Add(-24 * time.Hour)
	base := Input{Ref: ref("a"), Spec: ZeroSpec{OptIn: true}, Replicas: 1, Available: 1, KeepAlive: 15 * time.Minute, CreatedAt: old}
	for _, tc := range []struct {
		name string
		obs  Observation
		want Code
	}{
		{"quiet with a backlog", Observation{Known: true, HasStarted: true, HasQueued: true, Queued: 3}, CodeQueued},
		{"never invoked with a backlog", Observation{Known: true, HasQueued: true, Queued: 1}, CodeQueued},
		{"busy with a backlog still says queued", Observation{Known: true, HasStarted: true, Started: 50, HasQueued: true, Queued: 5000}, CodeQueued},
		{"empty queue and quiet", Observation{Known: true, HasStarted: true, HasQueued: true}, CodeIdle},
		{"queue unknown and quiet", Observation{Known: true, HasStarted: true}, CodeIdle},
	} {
		in := base
		in.Observation = tc.obs
		if v := Decide(in, t0); v.Code != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, v.Code, v.Reason, tc.want)
		}
	}
}

// queuedSource adds a backlog to the fake source's activity.
type queuedSource struct {
	*fakeSource
	queued metricsource.Values
}

func (s queuedSource) Activity(ctx context.Context, w time.Duration) (metricsource.Activity, error) {
	act, err := s.fakeSource.Activity(ctx, w)
	act.Queued = s.queued
	return act, err
}

// TestCycleKeepsQueued: a whole cycle with a short keep-alive, two quiet
// functions, one with messages waiting: only the other one is idled.
func TestCycleKeepsQueued(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	e := newEnv(t, Config{DefaultZeroDuration: time.Minute},
		function("waiting", 1, old, optIn(LabelZeroDuration, "2s")),
		function("empty", 1, old, optIn(LabelZeroDuration, "2s")))
	e.d.cfg.Source = queuedSource{e.src, metricsource.Values{ref("waiting"): 12, ref("empty"): 0}}
	rep := e.d.RunOnce(context.Background(), time.Now())
	if v := verdictOf(rep, ref("waiting")); v.Code != CodeQueued {
		t.Fatalf("waiting: %s (%s), want queued", v.Code, v.Reason)
	}
	if got := e.p.replicas(ref("waiting")); got != 1 {
		t.Fatalf("waiting scaled to %d, want kept at 1", got)
	}
	if got := e.p.replicas(ref("empty")); got != 0 {
		t.Fatalf("empty: %d replicas, want idled to 0 (%s)", got, verdictOf(rep, ref("empty")).Reason)
	}
	x, ok := e.d.Explain(ref("waiting"))
	ex, _ := x.(Explanation)
	if !ok || ex.Code != CodeQueued || ex.Queued == nil || *ex.Queued != 12 {
		t.Fatalf("explain: %+v, want code queued with 12 queued", x)
	}
}
