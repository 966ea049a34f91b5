package keepalive

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// slowScript answers each Activity with the next scripted step after
// taking took (virtual time in a synctest bubble).
type slowScript struct {
	scriptSource
	took time.Duration
}

func (s *slowScript) Activity(ctx context.Context, w time.Duration) (metricsource.Activity, error) {
	time.Sleep(s.took)
	return s.scriptSource.Activity(ctx, w)
}

func newMeteredFeeder(t *testing.T, src ActivitySource, step time.Duration) (*Feeder, *prometheus.Registry) {
	t.Helper()
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	f, err := NewFeeder(FeederConfig{Policy: p, Source: src, Step: step, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	return f, reg
}

// TestFeederMetricsExistFromTheStart: every series a dashboard or an alert
// reads is there, at 0, before the first read (a rate over a series that
// appears only with its first error misses that error).
func TestFeederMetricsExistFromTheStart(t *testing.T) {
	_, reg := newMeteredFeeder(t, &stepSource{}, 0)
	want := `
# HELP faas_autoscaler_keepalive_functions Functions the keep-alive holds a history for (learned from or asked about; forgotten an hour after they stop being listed).
# TYPE faas_autoscaler_keepalive_functions gauge
faas_autoscaler_keepalive_functions 0
# HELP faas_autoscaler_keepalive_idle_times Idle times the keep-alive holds, all functions together (bounded by faas_autoscaler_keepalive_max_idle_times).
# TYPE faas_autoscaler_keepalive_idle_times gauge
faas_autoscaler_keepalive_idle_times 0
# HELP faas_autoscaler_keepalive_max_idle_times The bound on the idle times the keep-alive holds; at it, each function keeps its fair share.
# TYPE faas_autoscaler_keepalive_max_idle_times gauge
faas_autoscaler_keepalive_max_idle_times 2e+06
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "faas_autoscaler_keepalive_functions",
		"faas_autoscaler_keepalive_idle_times", "faas_autoscaler_keepalive_max_idle_times"); err != nil {
		t.Error(err)
	}
	for _, s := range []string{`reads_total{result="ok"}`, `reads_total{result="error"}`,
		`unknown_steps_total{reason="read_error"}`, `unknown_steps_total{reason="gap"}`} {
		if _, ok := sample(t, reg, "faas_autoscaler_keepalive_"+s); !ok {
			t.Errorf("faas_autoscaler_keepalive_%s is not exported before the first read", s)
		}
	}
}

// TestFeederCountsReadsAndUnknownSteps: reads are counted by result and
// timed; a failed read and a read too long after the one before are each an
// unknown step, with its reason.
func TestFeederCountsReadsAndUnknownSteps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "f", Namespace: "fn"}
		ok := scriptStep{started: metricsource.Values{ref: 1}}
		src := &slowScript{took: 2 * time.Second, scriptSource: scriptSource{steps: []scriptStep{
			ok, {err: errors.New("prometheus down")}, ok, ok, ok}}}
		f, reg := newMeteredFeeder(t, src, time.Minute)
		now := time.Now()
		for _, at := range []time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute,
			9 * time.Minute} { // 6 steps after the one before: over the 4 read back
			f.RunOnce(t.Context(), now.Add(at))
		}
		for series, want := range map[string]float64{
			`reads_total{result="ok"}`:                 4,
			`reads_total{result="error"}`:              1,
			`unknown_steps_total{reason="read_error"}`: 1,
			`unknown_steps_total{reason="gap"}`:        1,
			`read_duration_seconds_count`:              5,
			`read_duration_seconds_sum`:                10, // 5 reads of 2 s
		} {
			if got, _ := sample(t, reg, "faas_autoscaler_keepalive_"+series); got != want {
				t.Errorf("faas_autoscaler_keepalive_%s = %g, want %g", series, got, want)
			}
		}
	})
}

// TestPolicyGaugesFollowLearningAndForgetting: the idle times and
// functions held follow Observe, ObserveCount, the budget's trim and the
// forgetting of unlisted functions (Listed).
func TestPolicyGaugesFollowLearningAndForgetting(t *testing.T) {
	defer func(v int) { maxIdleTimes = v }(maxIdleTimes)
	f, reg := newMeteredFeeder(t, &stepSource{}, 0)
	p := f.Policy
	gauges := func() (idle, fns, bound float64) {
		idle, _ = sample(t, reg, "faas_autoscaler_keepalive_idle_times")
		fns, _ = sample(t, reg, "faas_autoscaler_keepalive_functions")
		bound, _ = sample(t, reg, "faas_autoscaler_keepalive_max_idle_times")
		return idle, fns, bound
	}
	a, b := provider.Ref{Name: "a", Namespace: "fn"}, provider.Ref{Name: "b", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 { // 3 idle times
		p.Observe(a, t0.Add(time.Duration(i)*time.Minute))
	}
	for i := range 31 { // steps 5 minutes apart: 30 idle times
		p.ObserveCount(b, t0.Add(time.Duration(5*i+1)*time.Minute), time.Minute, 2)
	}
	if idle, fns, _ := gauges(); idle != 33 || fns != 2 {
		t.Errorf("after 3 idle times of a and 30 of b: idle_times %g, functions %g; want 33, 2", idle, fns)
	}
	maxIdleTimes = 22
	if _, _, bound := gauges(); bound != 22 {
		t.Errorf("max_idle_times %g, want the bound 22", bound)
	}
	now := t0.Add(3 * time.Hour)
	// Over the bound: b is cut to the fair share (2×MinSamples, 20); a,
	// unlisted, is kept for ForgetAfter.
	p.Listed(now, func(r provider.Ref) bool { return r == b })
	if idle, fns, _ := gauges(); idle != 23 || fns != 2 {
		t.Errorf("a listing over the bound that misses a: idle_times %g, functions %g; want 23 (b cut to 20), 2", idle, fns)
	}
	p.Listed(now.Add(ForgetAfter), func(r provider.Ref) bool { return r == b })
	if idle, fns, _ := gauges(); idle != 20 || fns != 1 {
		t.Errorf("a forgotten: idle_times %g, functions %g; want b's 20, 1", idle, fns)
	}
}

// TestFeederWarnsOncePerRunOfFailedReads: an operator must see that
// learning stopped: the first failed read of a run is logged at Warn, not
// every step (the steps stay at Debug), again every warnEvery while it
// lasts, and again when reads fail after a recovery (logged at Info).
func TestFeederWarnsOncePerRunOfFailedReads(t *testing.T) {
	down := scriptStep{err: errors.New("prometheus down")}
	up := scriptStep{started: metricsource.Values{}}
	var steps []scriptStep
	for _, run := range []struct {
		s scriptStep
		n int
	}{{up, 2}, {down, 5}, {up, 3}, {down, 40}, {up, 1}} {
		for range run.n {
			steps = append(steps, run.s)
		}
	}
	var logs strings.Builder
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFeeder(FeederConfig{Policy: p, Source: &scriptSource{steps: steps}, Step: time.Minute,
		Logger: slogText(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range steps {
		f.RunOnce(t.Context(), t0.Add(time.Duration(i)*time.Minute))
	}
	var warns, resumed, debug int
	for line := range strings.Lines(logs.String()) {
		switch {
		case strings.Contains(line, "level=WARN") && strings.Contains(line, "prometheus down"):
			warns++
		case strings.Contains(line, "level=INFO") && strings.Contains(line, "learning resumed"):
			resumed++
		case strings.Contains(line, "level=DEBUG") && strings.Contains(line, "activity unknown this step"):
			debug++
		}
	}
	// The 5-minute run: one; the 40-minute run: at 0, 15 and 30 minutes.
	if warns != 4 || resumed != 2 || debug != 45 {
		t.Errorf("Warn %d, Info resumed %d, Debug %d; want 4 (one for the 5-minute run, three for the 40-minute one at warnEvery), 2, 45:\n%s",
			warns, resumed, debug, logs.String())
	}
}

// TestFeederWarnsOfAGap: a read that comes too long after the one before
// to read back to it (the previous read slower than maxCatchUp steps) is
// logged at Warn, at most every warnEvery, and at Debug in between.
func TestFeederWarnsOfAGap(t *testing.T) {
	var logs strings.Builder
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFeeder(FeederConfig{Policy: p, Source: &stepSource{}, Step: time.Minute, Logger: slogText(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 6, 12, 30} { // each 6 or more steps after the one before
		f.RunOnce(t.Context(), t0.Add(at*time.Minute))
	}
	warns, debug := 0, 0
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "too long after the one before") {
			if strings.Contains(line, "level=WARN") {
				warns++
			} else if strings.Contains(line, "level=DEBUG") {
				debug++
			}
		}
	}
	if warns != 2 || debug != 1 {
		t.Errorf("3 gaps, the second 6 minutes after the first: Warn %d, Debug %d; want 2, 1:\n%s", warns, debug, logs.String())
	}
}

// TestNewFeederRefusesASecondRegistration: the controller builds one
// feeder per registry (a reload rebuilds nothing); a second on the same
// registry is a wiring mistake, said plainly.
func TestNewFeederRefusesASecondRegistration(t *testing.T) {
	f, reg := newMeteredFeeder(t, &stepSource{}, 0)
	_, err := NewFeeder(FeederConfig{Policy: f.Policy, Source: f.Source, Registerer: reg})
	if err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("a second feeder on one registry: %v, want an error saying the metrics are already registered", err)
	}
	if _, err := NewFeeder(FeederConfig{Step: -time.Second}); err == nil ||
		!strings.Contains(err.Error(), "Policy") || !strings.Contains(err.Error(), "Source") || !strings.Contains(err.Error(), "step") {
		t.Errorf("NewFeeder without a policy and source, with a negative step: %v", err)
	}
}

// sample reads one series (name with its labels, as exposed) from reg;
// ok is false when reg does not export it.
func sample(t *testing.T, reg *prometheus.Registry, series string) (v float64, ok bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	enc := expfmt.NewEncoder(&page, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	for line := range strings.Lines(page.String()) {
		if s, found := strings.CutPrefix(line, series+" "); found {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

// slogText logs every level, as text, to w.
func slogText(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
