package idler

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

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
