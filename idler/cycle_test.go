package idler

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

func TestCycleScenarios(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	tests := []struct {
		name    string
		cfg     Config
		dryRun  bool // the actuator's
		fns     []provider.Function
		setup   func(e *env)
		want    map[string]Code
		replica map[string]uint64
		queries int
	}{
		{
			name: "one query per distinct keep-alive, plus one re-check",
			fns: []provider.Function{
				function("a", 1, old, optIn(LabelZeroDuration, "1m")),
				function("b", 1, old, optIn(LabelZeroDuration, "2m")),
				function("c", 1, old, optIn(LabelZeroDuration, "2m")),
				function("d", 1, old, optIn()), // default 15m
				function("n", 1, old, nil),
			},
			want:    map[string]Code{"a": CodeIdle, "b": CodeIdle, "c": CodeIdle, "d": CodeIdle, "n": CodeNotOptedIn},
			replica: map[string]uint64{"a": 0, "b": 0, "d": 0, "n": 1},
			queries: 3 + 1,
		},
		{
			name:    "source down: nothing idled, no re-check",
			fns:     []provider.Function{function("a", 1, old, optIn())},
			setup:   func(e *env) { e.src.down = true },
			want:    map[string]Code{"a": CodeMissingData},
			replica: map[string]uint64{"a": 1},
			queries: 1,
		},
		{
			name:    "not covered: nothing idled",
			fns:     []provider.Function{function("a", 1, old, optIn())},
			setup:   func(e *env) { e.src.since = time.Now().Add(-time.Minute) },
			want:    map[string]Code{"a": CodeMissingData},
			replica: map[string]uint64{"a": 1},
			queries: 1,
		},
		{
			name: "activity between the query and the re-check",
			fns:  []provider.Function{function("a", 1, old, optIn()), function("b", 1, old, optIn())},
			setup: func(e *env) {
				e.src.onQuery = func(n int) {
					if n == 1 {
						e.src.invoke(ref("a"))
					}
				}
			},
			want:    map[string]Code{"a": CodeActive, "b": CodeIdle},
			replica: map[string]uint64{"a": 1, "b": 0},
			queries: 2,
		},
		{
			name: "re-check fails: nothing idled",
			fns:  []provider.Function{function("a", 1, old, optIn())},
			setup: func(e *env) {
				e.src.onQuery = func(n int) { e.src.down = true }
			},
			want:    map[string]Code{"a": CodeMissingData},
			replica: map[string]uint64{"a": 1},
			queries: 2,
		},
		{
			name:    "in flight",
			fns:     []provider.Function{function("a", 1, old, optIn())},
			setup:   func(e *env) { e.src.inflight[ref("a")] = 2 },
			want:    map[string]Code{"a": CodeInflight},
			replica: map[string]uint64{"a": 1},
			queries: 1,
		},
		{
			name: "maintain-min restores non-opted functions at zero, not opted-in ones",
			cfg:  Config{MaintainMin: true},
			fns: []provider.Function{
				function("plain", 0, old, nil),
				function("min3", 0, old, map[string]string{LabelMin: "3"}),
				function("min0", 0, old, map[string]string{LabelMin: "0"}),
				function("badmin", 0, old, map[string]string{LabelMin: "x"}),
				function("zero", 0, old, optIn()),
				function("badzero", 0, old, map[string]string{LabelZero: "maybe"}),
			},
			want:    map[string]Code{"plain": CodeNotOptedIn, "zero": CodeAlreadyZero, "badzero": CodeInvalidLabel},
			replica: map[string]uint64{"plain": 1, "min3": 3, "min0": 1, "badmin": 0, "zero": 0, "badzero": 0},
			queries: 0,
		},
		{
			name:    "without maintain-min a function at zero stays",
			fns:     []provider.Function{function("plain", 0, old, nil)},
			replica: map[string]uint64{"plain": 0},
		},
		{
			name:   "dry run scales nothing",
			cfg:    Config{MaintainMin: true},
			dryRun: true,
			fns:    []provider.Function{function("a", 1, old, optIn()), function("plain", 0, old, nil)},
			want:   map[string]Code{"a": CodeDryRun}, replica: map[string]uint64{"a": 1, "plain": 0},
			queries: 2, // the actuator, not Decide, says dry run: the re-check still runs
		},
		{
			name: "scheduled minimum: never idled, raised from zero",
			fns: []provider.Function{
				function("a", 2, old, optIn(MinScheduleLabel, "* * * * * for 1h = 2")),
				function("z", 0, old, optIn(MinScheduleLabel, "* * * * * for 1h = 2")),
				function("bad", 1, old, optIn(MinScheduleLabel, "* * * * * for 1 h = 2")),
			},
			want:    map[string]Code{"a": CodeScheduledMin, "z": CodeScheduledMin, "bad": CodeInvalidLabel},
			replica: map[string]uint64{"a": 2, "z": 2, "bad": 1},
			queries: 0,
		},
		{
			// The error stays with its function: the others are idled.
			name: "a CRON_TZ=Local schedule is that function's invalid label",
			fns: []provider.Function{
				function("local", 1, old, optIn(MinScheduleLabel, "CRON_TZ=Local 0 8 * * 1-5 for 12h = 2")),
				function("b", 1, old, optIn()),
			},
			want:    map[string]Code{"local": CodeInvalidLabel, "b": CodeIdle},
			replica: map[string]uint64{"local": 1, "b": 0},
			queries: 2,
		},
		{
			name: "the scaler just scaled it up",
			cfg: Config{RecentScaleUp: func(r provider.Ref) time.Time {
				if r.Name == "a" {
					return time.Now().Add(-time.Minute)
				}
				return time.Time{}
			}},
			fns:     []provider.Function{function("a", 3, old, optIn()), function("b", 3, old, optIn())},
			want:    map[string]Code{"a": CodeRecentlyScaled, "b": CodeIdle},
			replica: map[string]uint64{"a": 3, "b": 0},
			queries: 2,
		},
		{
			name: "namespaces filter",
			cfg:  Config{Namespaces: []string{"other"}},
			fns:  []provider.Function{function("a", 1, old, optIn())},
			want: map[string]Code{"a": "absent"}, replica: map[string]uint64{"a": 1},
		},
		{
			name:    "never invoked, no deploy time, first cycle",
			fns:     []provider.Function{{Ref: ref("a"), Labels: optIn(), Replicas: 1}},
			want:    map[string]Code{"a": CodeTooYoung},
			replica: map[string]uint64{"a": 1},
			queries: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dryRun {
				tc.cfg.Actuator = newActuator(t, newTestProvider(t, memory.Options{}), true) // replaced below with e.p
			}
			e := newEnv(t, tc.cfg, tc.fns...)
			if tc.dryRun {
				e.setActuator(t, true)
			}
			if tc.setup != nil {
				tc.setup(e)
			}
			rep := e.d.RunOnce(t.Context(), time.Now())
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			for name, code := range tc.want {
				if v := verdictOf(rep, ref(name)); v.Code != code {
					t.Errorf("%s: %s (%s), want %s", name, v.Code, v.Reason, code)
				}
			}
			for name, n := range tc.replica {
				if got := e.p.replicas(ref(name)); got != n {
					t.Errorf("%s: %d replicas, want %d", name, got, n)
				}
			}
			if rep.Queries != tc.queries || len(e.src.queries()) != tc.queries {
				t.Errorf("queries: report %d, source saw %d, want %d", rep.Queries, len(e.src.queries()), tc.queries)
			}
		})
	}
}

func TestListErrorDoesNothing(t *testing.T) {
	e := newEnv(t, Config{}, function("a", 1, time.Now().Add(-time.Hour), optIn()))
	e.p.FailLists(1<<30, context.DeadlineExceeded)
	rep := e.d.RunOnce(t.Context(), time.Now())
	if rep.Err == nil || len(e.src.queries()) != 0 || len(e.p.calls()) != 0 {
		t.Fatalf("report %+v, queries %d, calls %d", rep, len(e.src.queries()), len(e.p.calls()))
	}
	if got := testutil.ToFloat64(e.d.m.runs.WithLabelValues("error")); got != 1 {
		t.Errorf("runs_total{result=error} = %v", got)
	}
}

// A function the idler parked and someone woke (the gateway's scale from
// zero) is not idled again while its requests wait for the replica: they
// have not started yet, so the started counter cannot show them.
func TestWokenFunctionIsNotIdledAgainAtOnce(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	a := ref("a")
	e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "1m")))
	now := time.Now()
	if v := verdictOf(e.d.RunOnce(t.Context(), now), a); v.Code != CodeIdle {
		t.Fatalf("first cycle: %s (%s), want idle", v.Code, v.Reason)
	}
	if err := e.p.Scale(t.Context(), a, 1); err != nil { // the gateway wakes it
		t.Fatal(err)
	}
	v := verdictOf(e.d.RunOnce(t.Context(), now.Add(2*time.Second)), a)
	if v.Code != CodeRecentlyScaled {
		t.Fatalf("cycle after the wake-up: %s (%s), want %s", v.Code, v.Reason, CodeRecentlyScaled)
	}
	if fn, _ := e.p.Function(t.Context(), a); fn.Replicas != 1 {
		t.Fatalf("replicas after the wake-up cycle = %d, want 1", fn.Replicas)
	}
	if v := verdictOf(e.d.RunOnce(t.Context(), now.Add(2*time.Minute)), a); v.Code != CodeIdle {
		t.Fatalf("a keep-alive after the wake-up, still quiet: %s (%s), want idle", v.Code, v.Reason)
	}
}
