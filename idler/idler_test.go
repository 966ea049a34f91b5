package idler

import (
	"context"
	"fmt"
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"maps"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

func ref(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }

func function(name string, replicas uint64, created time.Time, labels map[string]string) provider.Function {
	return provider.Function{Ref: ref(name), Labels: labels, Replicas: replicas, AvailableReplicas: replicas, CreatedAt: created}
}

// The loop on virtual time: an opted-in idle function goes to zero at the
// first cycle after its keep-alive, an active one and a non-opted one stay.
func TestRunOnVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		created := start.Add(-time.Hour)
		p := newTestProvider(t, memory.Options{},
			function("idle", 2, created, optIn(LabelZeroDuration, "2m")),
			function("busy", 1, created, optIn(LabelZeroDuration, "2m")),
			function("plain", 1, created, nil),
		)
		src := newFakeSource(start)
		reg := prometheus.NewRegistry()
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(), Schedule: "@every 30s", Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() { // "busy" is invoked every 50 s
			for ctx.Err() == nil {
				src.invoke(ref("busy"))
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Second):
				}
			}
		})
		// Past the 20th cycle (at 10m): one due as the context ends would
		// fail its listing (the provider honours the context).
		time.Sleep(10*time.Minute + time.Second)
		atZeroRunning := testutil.ToFloat64(d.m.atZero)
		cancel()
		wg.Wait()

		calls := p.calls()
		if len(calls) != 1 || calls[0].Ref != ref("idle") || calls[0].Replicas != 0 {
			t.Fatalf("scale calls = %+v, want only idle → 0", calls)
		}
		// Covered at 2m; cycles run at 30 s steps, so idled exactly at 2m.
		if got := calls[0].At.Sub(start); got != 2*time.Minute {
			t.Errorf("idled after %s, want 2m0s", got)
		}
		if p.replicas(ref("busy")) != 1 || p.replicas(ref("plain")) != 1 {
			t.Error("busy or plain scaled")
		}
		// 20 cycles, one query each (one distinct window) plus one re-check.
		if got, want := len(src.queries()), 20+1; got != want {
			t.Errorf("queries = %d, want %d", got, want)
		}
		if got := testutil.ToFloat64(d.m.runs.WithLabelValues("ok")); got != 20 {
			t.Errorf("runs_total = %v, want 20", got)
		}
		if atZeroRunning != 1 {
			t.Errorf("functions_at_zero while running = %v, want 1", atZeroRunning)
		}
		// The run (a leadership term) over, its count is not the replica's
		// to export: a former leader's showed in the dashboard's max().
		if got := testutil.ToFloat64(d.m.atZero); got != 0 {
			t.Errorf("functions_at_zero after the run = %v, want 0", got)
		}
		if got := testutil.ToFloat64(d.m.missingData.WithLabelValues(missingNotCovered)); got != 3 {
			t.Errorf("missing_data not_covered = %v, want 3 (cycles at 30s, 60s, 90s)", got)
		}
		if got := testutil.ToFloat64(d.m.skipped.WithLabelValues(string(CodeNotOptedIn))); got != 20 {
			t.Errorf("skipped_total{not_opted_in} = %v, want 20 (plain, every cycle)", got)
		}
	})
}

// Run stops promptly when its context is cancelled, between cycles.
func TestRunStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, err := New(Config{Provider: newTestProvider(t, memory.Options{}), Actuator: newActuator(t, newTestProvider(t, memory.Options{}), false), Source: newFakeSource(time.Now()), Schedule: "*/5 * * * *"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- d.Run(ctx) }()
		time.Sleep(time.Minute)
		cancel()
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatal("Run did not return after cancel")
		}
	})
}

type env struct {
	p   *testProvider
	src *fakeSource
	d   *Idler
	log *strings.Builder
}

func newEnv(t *testing.T, cfg Config, fns ...provider.Function) *env {
	t.Helper()
	return newEnvOn(t, memory.Options{}, cfg, fns...)
}

// newEnvOn is newEnv over a provider that behaves as opts say.
func newEnvOn(t *testing.T, opts memory.Options, cfg Config, fns ...provider.Function) *env {
	t.Helper()
	e := &env{p: newTestProvider(t, opts, fns...), src: newFakeSource(time.Now().Add(-24 * time.Hour)), log: &strings.Builder{}}
	cfg.Provider, cfg.Source, cfg.Logger = e.p, e.src, newTextLogger(e.log)
	if cfg.Actuator == nil {
		cfg.Actuator = newActuator(t, e.p, false)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.d = d
	return e
}

// setActuator gives the idler a fresh actuator over the env's provider.
func (e *env) setActuator(t *testing.T, dryRun bool) {
	e.d.cfg.Actuator = newActuator(t, e.p, dryRun)
}

func verdictOf(rep CycleReport, r provider.Ref) Verdict {
	if v, ok := rep.VerdictOf(r); ok {
		return v
	}
	return Verdict{Code: "absent"}
}

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

// A provider refusing zero: one error log per function, a metric per refusal,
// and no new attempt before the back-off.
func TestRefusedZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		e := newEnvOn(t, memory.Options{RefuseZero: true}, Config{RefusedBackoff: time.Hour},
			function("a", 1, old, optIn()), function("b", 1, old, optIn()))
		for range 10 { // 10 cycles over 5 minutes
			e.d.RunOnce(t.Context(), time.Now())
			time.Sleep(30 * time.Second)
		}
		if got := len(e.p.calls()); got != 2 {
			t.Fatalf("scale calls = %d, want 2 (one per function)", got)
		}
		if got := strings.Count(e.log.String(), "provider refuses to scale to zero"); got != 2 {
			t.Errorf("refusal logged %d times, want 2:\n%s", got, e.log.String())
		}
		rep := e.d.RunOnce(t.Context(), time.Now())
		if v := verdictOf(rep, ref("a")); v.Code != CodeRefused || !v.Idle {
			t.Errorf("verdict %+v, want refused", v)
		}
		time.Sleep(time.Hour)
		e.d.RunOnce(t.Context(), time.Now())
		if got := len(e.p.calls()); got != 4 {
			t.Fatalf("scale calls after back-off = %d, want 4", got)
		}
		if got := strings.Count(e.log.String(), "provider refuses to scale to zero"); got != 2 {
			t.Errorf("refusal logged %d times after the retry, want still 2", got)
		}
		if got := testutil.ToFloat64(e.d.m.refused); got != 4 {
			t.Errorf("refused_total = %v, want 4", got)
		}
	})
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

type fixedPolicy map[string]time.Duration

func (f fixedPolicy) KeepAlive(r provider.Ref, fallback time.Duration, _ float64, now time.Time) (time.Duration, string) {
	if d, ok := f[r.Name]; ok {
		return d, "learned"
	}
	return fallback, "fallback"
}

// Auto keep-alives are rounded up to a fixed ladder so distinct policy values
// do not multiply queries.
func TestAutoKeepAlive(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	auto := optIn(LabelZeroDuration, "auto")
	e := newEnv(t, Config{KeepAlive: fixedPolicy{"a": 7*time.Minute + 10*time.Second, "b": 7*time.Minute + 50*time.Second, "c": 3 * time.Hour}},
		function("a", 1, old, auto), function("b", 1, old, auto), function("c", 1, old, auto), function("d", 1, old, auto))
	e.d.RunOnce(t.Context(), time.Now())
	got := e.src.queries()
	// a and b share the 8m window; d falls back to the default 15m.
	want := []time.Duration{8 * time.Minute, 15 * time.Minute, 3 * time.Hour, 8 * time.Minute}
	if len(got) != len(want) {
		t.Fatalf("queries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("queries %v, want %v", got, want)
		}
	}
	x, ok := e.d.Explain(ref("a"))
	if !ok {
		t.Fatal("no explanation")
	}
	ex := x.(Explanation)
	if ex.KeepAlive != "8m0s" || !strings.Contains(ex.KeepAliveSource, "learned") {
		t.Errorf("explanation %+v", ex)
	}
}

// scriptPolicy answers each function's keep-alive and reason from a table
// the test changes between cycles.
type scriptPolicy map[string]struct {
	keep time.Duration
	why  string
}

func (s scriptPolicy) KeepAlive(r provider.Ref, fallback time.Duration, _ float64, _ time.Time) (time.Duration, string) {
	if a, ok := s[r.Name]; ok {
		return a.keep, a.why
	}
	return fallback, "fallback"
}

// An automatic keep-alive's source, worded once per reason and duration
// and then reused, is what wording it every time says: functions and cycles
// that share a reason and a duration share the words, any other pair gets
// its own.
//
// Seen failing: with the words kept by reason only (keep dropped from the
// key), b shows a's 7m10s from the first cycle; by duration only, a's
// pre-warm reason in the third cycle reads "learned".
func TestAutoKeepAliveSourceWords(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	auto := optIn(LabelZeroDuration, "auto")
	type answer = struct {
		keep time.Duration
		why  string
	}
	pol := scriptPolicy{"a": {7*time.Minute + 10*time.Second, "learned"}, "b": {time.Hour, "learned"}}
	e := newEnv(t, Config{KeepAlive: pol}, function("a", 1, old, auto), function("b", 1, old, auto))
	for cycle, script := range []map[string]answer{
		{},
		{"b": {7*time.Minute + 10*time.Second, "learned"}},
		{"a": {7*time.Minute + 10*time.Second, "pre-warm (in the pre-warm window)"}, "b": {30 * time.Second, "learned"}},
		{"a": {7*time.Minute + 10*time.Second, "learned"}},
	} {
		maps.Copy(pol, script)
		e.d.RunOnce(t.Context(), time.Now())
		for _, name := range []string{"a", "b"} {
			x, ok := e.d.Explain(ref(name))
			if !ok {
				t.Fatalf("cycle %d: no explanation of %s", cycle, name)
			}
			a := pol[name]
			w := quantizeAuto(a.keep)
			want := fmt.Sprintf("auto: %s (policy %s, rounded up to the %s query window)", a.why, a.keep, w)
			if got := x.(Explanation).KeepAliveSource; got != want {
				t.Errorf("cycle %d, %s: source %q, want %q", cycle, name, got, want)
			}
		}
	}
}

// servesPolicy records what the idler tells it a replica serves.
type servesPolicy map[string]float64

func (s servesPolicy) KeepAlive(r provider.Ref, fallback time.Duration, serves float64, _ time.Time) (time.Duration, string) {
	s[r.Name] = serves
	return fallback, "fallback"
}

// The idler tells the keep-alive how many requests one replica serves: a
// capacity-scaled function's target, 1 when its type does not say.
func TestAutoKeepAliveIsToldWhatAReplicaServes(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	capacity := optIn(LabelZeroDuration, "auto")
	capacity[scaler.LabelType], capacity[scaler.LabelTarget] = "capacity", "25"
	pol := servesPolicy{}
	e := newEnv(t, Config{KeepAlive: pol}, function("a", 1, old, capacity), function("b", 1, old, optIn(LabelZeroDuration, "auto")))
	e.d.RunOnce(t.Context(), time.Now())
	if pol["a"] != 25 || pol["b"] != 1 {
		t.Errorf("serves told %v, want a: 25 (its capacity target), b: 1", pol)
	}
}

// zeroedPolicy is a keep-alive policy that records what the idler tells it
// of the functions it scaled to zero.
type zeroedPolicy struct{ zeroed map[string]uint64 }

func (z *zeroedPolicy) KeepAlive(_ provider.Ref, fallback time.Duration, _ float64, _ time.Time) (time.Duration, string) {
	return fallback, "fallback"
}

func (z *zeroedPolicy) Zeroed(r provider.Ref, replicas uint64) { z.zeroed[r.Name] = replicas }

// The idler tells an "auto" function's keep-alive policy the count it scaled
// the function to zero from (what a pre-warm gives back), only once the
// actuator applied it, and never for a fixed zero-duration.
func TestIdledCountIsToldToTheKeepAlive(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	pol := &zeroedPolicy{zeroed: map[string]uint64{}}
	e := newEnv(t, Config{KeepAlive: pol}, function("auto", 3, old, optIn(LabelZeroDuration, "auto")),
		function("fixed", 2, old, optIn()))
	e.d.RunOnce(t.Context(), time.Now())
	if len(pol.zeroed) != 1 || pol.zeroed["auto"] != 3 {
		t.Errorf("told %v, want only auto: 3", pol.zeroed)
	}

	dry := &zeroedPolicy{zeroed: map[string]uint64{}}
	p := newTestProvider(t, memory.Options{}, function("auto", 3, old, optIn(LabelZeroDuration, "auto")))
	e = newEnv(t, Config{KeepAlive: dry, Actuator: newActuator(t, p, true)}, function("auto", 3, old, optIn(LabelZeroDuration, "auto")))
	e.d.RunOnce(t.Context(), time.Now())
	if len(dry.zeroed) != 0 {
		t.Errorf("dry run told %v: nothing was scaled", dry.zeroed)
	}
}

func TestQuantizeAuto(t *testing.T) {
	tests := []struct{ in, want time.Duration }{
		{time.Second, 10 * time.Second}, {time.Minute, time.Minute}, {61 * time.Second, 2 * time.Minute},
		{7*time.Minute + 30*time.Second, 8 * time.Minute}, {21 * time.Minute, 25 * time.Minute},
		{7 * time.Hour, 8 * time.Hour}, {24 * time.Hour, 24 * time.Hour}, {25*time.Hour + time.Minute, 26 * time.Hour},
	}
	for _, tc := range tests {
		if got := quantizeAuto(tc.in); got != tc.want {
			t.Errorf("quantizeAuto(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	newEnv(t, Config{Registerer: reg})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
	}
	for _, name := range []string{"runs_total", "functions_idled_total", "skipped_total", "cycle_duration_seconds",
		"functions_at_zero", "missing_data_cycles_total", "refused_total"} {
		if !got["faas_autoscaler_idler_"+name] {
			t.Errorf("metric faas_autoscaler_idler_%s not registered", name)
		}
	}
	// A second idler on the same registry is an error, not a panic.
	if _, err := New(Config{Provider: newTestProvider(t, memory.Options{}), Actuator: newActuator(t, newTestProvider(t, memory.Options{}), false), Source: newFakeSource(time.Now()), Registerer: reg}); err == nil {
		t.Error("duplicate registration accepted")
	}
}

// A dry run (enforced by the actuator) logs what it would do once per
// function, not once per cycle, and changes nothing.
func TestDryRunLogsOnce(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	e := newEnv(t, Config{MaintainMin: true}, function("a", 1, old, optIn()), function("b", 0, old, nil))
	ac := actuator.Default()
	ac.Provider, ac.DryRun, ac.Logger = e.p, true, newTextLogger(e.log)
	act, err := actuator.New(ac)
	if err != nil {
		t.Fatal(err)
	}
	e.d.cfg.Actuator = act
	for range 5 {
		e.d.RunOnce(t.Context(), time.Now())
	}
	logs := e.log.String()
	if n := strings.Count(logs, "dry run: would scale"); n != 2 {
		t.Errorf("would-scale logged %d times, want 2 (to zero, restore):\n%s", n, logs)
	}
	if n := strings.Count(logs, "to=0 by=idler"); n != 1 {
		t.Errorf("would-scale to zero logged %d times, want 1:\n%s", n, logs)
	}
	if n := strings.Count(logs, "to=1 by=restore"); n != 1 {
		t.Errorf("would-restore logged %d times, want 1:\n%s", n, logs)
	}
	if len(e.p.calls()) != 0 {
		t.Errorf("dry run scaled: %+v", e.p.calls())
	}
}

// Scale calls run at most the actuator's Workers at a time, so a cycle
// idling many functions against a slow provider takes ⌈n/workers⌉ calls'
// time, and the idler proposes them all at once rather than one by one.
func TestScaleConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-time.Hour)
		var fns []provider.Function
		for i := range 20 {
			fns = append(fns, function(fmt.Sprintf("f%02d", i), 1, old, optIn()))
		}
		e := newEnv(t, Config{}, fns...)
		ac := actuator.Default()
		ac.Provider, ac.Workers = e.p, 4
		act, err := actuator.New(ac)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = act.Run(ctx) }()
		synctest.Wait()
		e.d.cfg.Actuator = act
		for _, fn := range fns {
			e.p.SetDelay(fn.Ref, time.Second)
		}
		start := time.Now()
		rep := e.d.RunOnce(t.Context(), start)
		if len(rep.Idled) != 20 {
			t.Fatalf("idled %d, want 20", len(rep.Idled))
		}
		if took := time.Since(start); took != 5*time.Second {
			t.Errorf("cycle took %s, want 5s (20 calls of 1s, 4 at a time)", took)
		}
		if e.p.Peak() != 4 {
			t.Errorf("peak concurrent scale calls %d, want 4", e.p.Peak())
		}
		for i, r := range rep.Idled { // reported in listing order
			if r.Name != fmt.Sprintf("f%02d", i) {
				t.Fatalf("Idled[%d] = %s", i, r)
			}
		}
	})
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
