package idler

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestRestoredFromZeroBeforeAScheduledMinimum: an operator who schedules
// "2 replicas from 00:05" expects them serving at 00:05. "f" (opted in)
// and "g" (not opted in) are at zero; their replicas take 20s to start.
// The idler runs "@every 30s" from 00:00:10 (cycles at …04:10, 04:40,
// 05:10): the 00:04:40 cycle is the last before 00:05 (its next run is
// after it), so it raises both then, and they are ready at 00:05:00. The
// 00:04:10 cycle, whose next run is still before 00:05, leaves them.
//
// Seen failing before the fix (and with prepare's call of restoreAhead
// removed): restored by the first cycle inside the period,
// schedule_restore_test.go:71: scale calls [f→2 at +5m10s g→2 at +5m10s], want
// [f→2 at +4m40s g→2 at +4m40s]: at 00:05 f had 0 replicas, 0 ready
func TestRestoredFromZeroBeforeAScheduledMinimum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		f, g := ref("f"), ref("g")
		sched := "5 0 * * * for 1h = 2"
		p := newTestProvider(t, memory.Options{ColdStart: 20 * time.Second},
			function("f", 0, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m", MinScheduleLabel, sched)),
			function("g", 0, start.Add(-time.Hour), map[string]string{MinScheduleLabel: sched}))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: newFakeSource(start.Add(-24 * time.Hour)),
			Clock: clock.Real(), Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		time.Sleep(10 * time.Second) // cycles at 00:00:40, 00:01:10, …
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(4*time.Minute + 15*time.Second) // to 00:04:25, past the 00:04:10 cycle
		synctest.Wait()
		x, _ := d.Explain(f)
		at0410 := x.(Explanation)
		time.Sleep(20 * time.Second) // to 00:04:45, past the 00:04:40 cycle
		synctest.Wait()
		x, _ = d.Explain(f)
		at0440 := x.(Explanation)
		x, _ = d.Explain(g)
		g0440 := x.(Explanation)
		time.Sleep(15 * time.Second) // to 00:05:00
		fnAt5, err := p.Function(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second) // past the 00:05:10 cycle
		synctest.Wait()
		x, _ = d.Explain(f)
		at0510 := x.(Explanation)
		cancel()
		wg.Wait()

		calls := callsWords(p, start)
		want := []string{"f→2 at +4m40s", "g→2 at +4m40s"}
		if strings.Join(calls, " ") != strings.Join(want, " ") {
			t.Fatalf("scale calls %v, want %v: at 00:05 f had %d replicas, %d ready", calls, want, fnAt5.Replicas, fnAt5.AvailableReplicas)
		}
		if fnAt5.AvailableReplicas != 2 {
			t.Errorf("at 00:05: %d of %d replicas of f ready, want 2", fnAt5.AvailableReplicas, fnAt5.Replicas)
		}
		if at0410.Code != CodeAlreadyZero {
			t.Errorf("00:04:10 cycle: %s %q, want already_zero (a cycle runs before 00:05 still)", at0410.Code, at0410.Reason)
		}
		if at0440.Code != CodeScheduledMin || !strings.Contains(at0440.Reason, "starts at 2000-01-01 00:05 UTC") ||
			!strings.HasPrefix(at0440.LastAction, "restored to 2") || at0440.ScheduledMinimum != 0 {
			t.Errorf("00:04:40 cycle: %s %q, last action %q, scheduled minimum %d; want scheduled_min naming the start, restored to 2, none active yet",
				at0440.Code, at0440.Reason, at0440.LastAction, at0440.ScheduledMinimum)
		}
		if !strings.HasPrefix(g0440.LastAction, "restored to 2") {
			t.Errorf("00:04:40 cycle: g's last action %q, want restored to 2", g0440.LastAction)
		}
		if at0510.Code != CodeScheduledMin || at0510.ScheduledMinimum != 2 {
			t.Errorf("00:05:10 cycle: %s %q (scheduled minimum %d), want scheduled_min 2 active", at0510.Code, at0510.Reason, at0510.ScheduledMinimum)
		}
	})
}
