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

// TestAReloadedScheduleIsInForceAtOnce: a configuration reload (SIGHUP →
// controller.Reload → Idler.SetTuning) that changes idler.schedule wakes
// Run, which waits for the new schedule's next run, not the old one's: from
// a yearly schedule to "@every 30s", the idler runs every 30s from the
// reload on, not from next January.
//
// Seen failing before the fix (found by a review):
// schedule_reload_test.go:51: schedule reloaded from "0 0 1 1 *" to "@every
// 30s", then 5m: 0 cycles ran, want 10 (the new schedule is not in force
// until the old one's next run)
func TestAReloadedScheduleIsInForceAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, stop := runIdler(t, "0 0 1 1 *")
		synctest.Wait() // Run is waiting for the yearly run
		if err := d.SetTuning(d.cfg.Defaults, false, DefaultRefusedBackoff, "@every 30s"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5*time.Minute + time.Second)
		if runs := stop(); runs != 10 {
			t.Errorf("schedule reloaded from %q to %q, then 5m: %v cycles ran, want 10 (the new schedule is not in force until the old one's next run)",
				"0 0 1 1 *", "@every 30s", runs)
		}
	})
}

// TestAReloadOfTheSameScheduleKeepsItsRuns: a reload that leaves
// idler.schedule as it was does not wake Run: "@every" counts from when Run
// waits, so a wake at each reload would push the next run back each time.
// So does one that only changes the whitespace around it (a YAML block
// scalar's newline, an edit): the schedule parsed is the same.
//
// Seen failing before the whitespace was ignored (found by a review):
// "@every 30s" reloaded unchanged every 20s for 200s: 0 cycles ran, want 6
func TestAReloadOfTheSameScheduleKeepsItsRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, stop := runIdler(t, "@every 30s")
		for i := range 10 { // a reload every 20s for 200s
			time.Sleep(20 * time.Second)
			if err := d.SetTuning(d.cfg.Defaults, false, DefaultRefusedBackoff, []string{" @every 30s\n", "@every 30s"}[i%2]); err != nil {
				t.Fatal(err)
			}
		}
		synctest.Wait()
		if runs := stop(); runs != 6 {
			t.Errorf("\"@every 30s\" reloaded unchanged every 20s for 200s: %v cycles ran, want 6", runs)
		}
	})
}

// runIdler starts Run on schedule, in the test's bubble, over one idle
// function; stop ends it and returns the cycles that ran.
func runIdler(t *testing.T, schedule string) (*Idler, func() float64) {
	start := time.Now()
	p := newTestProvider(t, memory.Options{}, function("idle", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "2m")))
	d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: newFakeSource(start),
		Clock: clock.Real(), Schedule: schedule, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(ctx) })
	return d, func() float64 {
		runs := testutil.ToFloat64(d.m.runs.WithLabelValues("ok"))
		cancel()
		wg.Wait()
		return runs
	}
}
