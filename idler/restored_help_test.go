package idler

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestRestoredTotalsHelpNamesRestoresAheadOfASchedule:
// functions_restored_total counts a function raised from zero ahead of a
// scheduled minimum that starts before the idler's next run
// (schedule_restore.go), not only under an active one; its help said
// "an active scheduled minimum", so an operator reading the counter grow
// before any minimum was active looked for a raise that was not there.
func TestRestoredTotalsHelpNamesRestoresAheadOfASchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		reg := prometheus.NewRegistry()
		p := newTestProvider(t, memory.Options{},
			function("f", 0, start.Add(-time.Hour), map[string]string{MinScheduleLabel: "5 0 * * * for 1h = 2"}))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: newFakeSource(start.Add(-24 * time.Hour)),
			Clock: clock.Real(), Schedule: "@every 30s", Registerer: reg})
		if err != nil {
			t.Fatal(err)
		}
		// 00:04:40: the next run (00:05:10) is after the minimum starts.
		d.RunOnce(t.Context(), start.Add(4*time.Minute+40*time.Second))
		if n := testutil.ToFloat64(d.m.restored); n != 1 || p.replicas(ref("f")) != 2 {
			t.Fatalf("control: restored_total %v, f at %d; want 1 and 2 (raised ahead of its minimum)", n, p.replicas(ref("f")))
		}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "faas_autoscaler_idler_functions_restored_total" {
				if h := mf.GetHelp(); !strings.Contains(h, "starts before the idler's next run") {
					t.Errorf("functions_restored_total's help %q does not name the restores ahead of a scheduled minimum it counts", h)
				}
				return
			}
		}
		t.Error("functions_restored_total not gathered")
	})
}
