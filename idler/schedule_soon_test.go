package idler

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestNotIdledJustBeforeAScheduledMinimum: a function whose scheduled
// minimum starts before the idler's next run is not idled. Idled, it would
// sit at zero through the start of the period the operator asked replicas
// for, until the next cycle restores it (a cold start inside the period),
// and a write that lands after the activation is a scale to zero under an
// active scheduled minimum, which the actuator cannot tell (the intent says
// none was active when the cycle decided).
//
// On virtual time: "@every 30s" from 00:00:10 (cycles at …04:40, 05:10),
// "f" invoked every 20s until 03:20, so idle-able (keep-alive 1m) from
// 04:20, its scheduled minimum 2 from 00:05.
//
// Seen failing before the fix:
// schedule_soon_test.go:70: scale calls = [f→0 at 00:04:40 f→2 at 00:05:10],
// want none: scaled to zero 20s before its scheduled minimum 2 started at
// 00:05, and at zero until the next cycle restored it
func TestNotIdledJustBeforeAScheduledMinimum(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		f := ref("f")
		p := newTestProvider(t, memory.Options{},
			function("f", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m", MinScheduleLabel, "5 0 * * * for 1h = 2")))
		src := newFakeSource(start.Add(-24 * time.Hour))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: src, Clock: clock.Real(),
			Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		time.Sleep(10 * time.Second) // cycles at 00:00:40, 00:01:10, …: not on the minute
		wg.Go(func() { _ = d.Run(ctx) })
		wg.Go(func() { // invoked every 20s until 00:03:20
			for range 11 {
				src.invoke(f)
				time.Sleep(20 * time.Second)
			}
		})
		time.Sleep(4*time.Minute + 45*time.Second) // to 00:04:55, past the 00:04:40 cycle
		synctest.Wait()
		x, _ := d.Explain(f)
		e := x.(Explanation)
		time.Sleep(20 * time.Second) // past the 00:05:10 cycle, inside the scheduled period
		synctest.Wait()
		after, _ := d.Explain(f) // while it runs: a run that ended explains nothing (NotListed)
		cancel()
		wg.Wait()

		if calls := p.calls(); len(calls) != 0 {
			var got []string
			for _, c := range calls {
				got = append(got, fmt.Sprintf("%s→%d at %s", c.Ref.Name, c.Replicas, c.At.UTC().Format(time.TimeOnly)))
			}
			t.Fatalf("scale calls = %v, want none: scaled to zero %s before its scheduled minimum 2 started at 00:05, and at zero until the next cycle restored it",
				got, start.Add(5*time.Minute).Sub(calls[0].At))
		}
		if e.Code != CodeScheduledMin || !strings.Contains(e.Reason, "starts at 2000-01-01 00:05 UTC") || !strings.Contains(e.Reason, "before the idler could restore it") {
			t.Errorf("00:04:40 cycle: %s %q, want scheduled_min saying the minimum starts at 00:05, before the idler could restore it", e.Code, e.Reason)
		}
		if !strings.HasPrefix(e.Schedule, "scheduled minimum 2 starts at") {
			t.Errorf("00:04:40 cycle: explain schedule %q, want the minimum about to start", e.Schedule)
		}
		if e.ScheduledMinimum != 0 {
			t.Errorf("00:04:40 cycle: explain scheduledMinimum %d, want 0 (none active yet)", e.ScheduledMinimum)
		}
		if e, _ := after.(Explanation); e.Code != CodeScheduledMin || e.ScheduledMinimum != 2 {
			t.Errorf("00:05:10 cycle: %s %q (scheduled minimum %d), want scheduled_min 2 active", e.Code, e.Reason, e.ScheduledMinimum)
		}
		if got := p.replicas(f); got != 1 {
			t.Errorf("replicas %d, want 1 (never idled; raising above 1 is the scaler's floor)", got)
		}
	})
}

// MinSchedule.Upcoming finds the highest minimum whose next activation is in
// (now, until]: one active at now is Active's, not Upcoming's.
func TestUpcomingMinimum(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 3, 4, h, m, s, 0, time.UTC) }
	tests := []struct {
		name       string
		value      string
		now, until time.Time
		want       uint64
		since      time.Time
	}{
		{"starts within", "0 8 * * * for 1h = 3", at(7, 59, 30), at(8, 0, 30), 3, at(8, 0, 0)},
		{"starts exactly at until", "0 8 * * * for 1h = 3", at(7, 59, 0), at(8, 0, 0), 3, at(8, 0, 0)},
		{"starts after until", "0 8 * * * for 1h = 3", at(7, 58, 0), at(7, 59, 59), 0, time.Time{}},
		{"active now: the next activation is tomorrow", "0 8 * * * for 1h = 3", at(8, 0, 0), at(8, 1, 0), 0, time.Time{}},
		{"highest of two starting", "0 8 * * * for 1h = 2; 1 8 * * * for 1h = 5", at(7, 59, 30), at(8, 1, 0), 5, at(8, 1, 0)},
		{"in its zone", "CRON_TZ=Europe/Paris 0 9 * * * for 1h = 1", at(7, 59, 30), at(8, 0, 30), 1, at(8, 0, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := ParseMinSchedule(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			a, ok := ms.Upcoming(tc.now, tc.until)
			if got := a.Entry.Min; ok != (tc.want > 0) || got != tc.want || (ok && !a.Since.Equal(tc.since)) {
				t.Errorf("Upcoming(%s, %s) = %d since %s (%v), want %d since %s", tc.now.Format(time.TimeOnly), tc.until.Format(time.TimeOnly),
					got, a.Since.UTC().Format(time.TimeOnly), ok, tc.want, tc.since.Format(time.TimeOnly))
			}
		})
	}
}
