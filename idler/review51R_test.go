package idler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview51RNotIdledBeforeAMinimumWithCyclesLongerThanTheInterval: the
// idler never idles a function whose scheduled minimum starts before its
// run after next (Input.ScheduledSoon; schedule_restore.go). prepare
// bounds that with restoredBy = Next(Next(now)), which is the run after
// next only while a cycle is shorter than the interval: Run times the next
// run from the cycle's END. With "@every 30s" and cycles of 40 s (two slow
// activity queries: the query and the re-check, 20 s each), the 00:03:50
// cycle's next run is 00:05:00 (its end, 00:04:30, + 30 s), yet restoredBy
// is 00:04:50: the minimum from 00:05:00 is not "soon", f is scaled to zero
// at 00:04:30 and is at zero when its scheduled minimum 2 starts, until the
// 00:05:00 cycle restores it at 00:05:20. cycleNext (restore ahead) already
// counts lastTook; restoredBy (cycle.go, prepare) does not. Expected: not idled (scheduled_min).
func TestReview51RNotIdledBeforeAMinimumWithCyclesLongerThanTheInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		f := ref("f")
		p := newTestProvider(t, memory.Options{},
			function("f", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m", MinScheduleLabel, "5 0 * * * for 1h = 2")),
			function("busy", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m")))
		src := newFakeSource(start.Add(-24 * time.Hour))
		src.inflight[ref("busy")] = 1              // never idle: every cycle has one query
		src.last[f] = start.Add(150 * time.Second) // f counts as invoked up to 00:02:30: idle from 00:03:30
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false),
			Source: &slowSource{fakeSource: src, took: 20 * time.Second, bounds: true},
			Clock:  clock.Real(), Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) }) // cycles at 00:00:30, 01:20, 02:10, 03:00, 03:50 (40 s), 05:00
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		atStart := p.replicas(f)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		cancel()
		wg.Wait()
		if atStart == 0 {
			var calls []string
			for _, c := range p.calls() {
				if c.Ref == f {
					calls = append(calls, fmt.Sprintf("f→%d at +%s", c.Replicas, c.At.Sub(start)))
				}
			}
			t.Errorf("f at zero at 00:05:00, when its scheduled minimum 2 starts (idler \"@every 30s\", cycles of 40 s): scale calls %v; want f not idled by the cycle whose next run is the start", calls)
		}
	})
}

// TestReview51RMaintainMinKeptWithAnUnreadableSchedule: with --maintain-min
// a function not opted in to zero that is found at zero is restored to
// max(min, 1). A min-schedule that does not parse can only have asked for
// MORE replicas; the scaler ignores it and "the scaler's own minimum
// stands" (MinFloor), and Decide says "a schedule we cannot read might be
// asking for replicas: stay safe". The idler's restoreTarget instead
// returns 0 for any ScheduleErr before it looks at maintain-min
// (act.go:94), so a typo in the schedule ("1 h" for "1h") leaves the
// function at zero for good, where without the label it would be restored
// to its min 2. Expected: restored to max(min, 1) (= 2) as without the
// schedule.
func TestReview51RMaintainMinKeptWithAnUnreadableSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		e := newEnv(t, Config{MaintainMin: true},
			function("plain", 0, old, map[string]string{LabelMin: "2"}),
			function("typo", 0, old, map[string]string{LabelMin: "2", MinScheduleLabel: "0 8 * * * for 1 h = 3"}))
		rep := e.d.RunOnce(t.Context(), time.Now())
		if got := e.p.replicas(ref("plain")); got != 2 {
			t.Fatalf("control: plain restored to %d, want 2", got)
		}
		if got := e.p.replicas(ref("typo")); got != 2 {
			x, _ := e.d.Explain(ref("typo"))
			t.Errorf("maintain-min, min 2, an unreadable min-schedule: left at %d replicas (verdict %s: %s; explain %+v); want restored to 2 as without the schedule label",
				got, verdictOf(rep, ref("typo")).Code, verdictOf(rep, ref("typo")).Reason, x)
		}
	})
}

// TestReview51RSameScheduleZoned: SameSchedule "says whether two schedule
// expressions run at the same times", and a reload compares with it so
// that only a change of schedule counts as one (SetTuning wakes Run;
// controller/reload.go marks the idler rescheduled for liveness). Any
// zoned expression is wrapped in jumpSchedule by parseCron, which
// SameSchedule's type switch does not know (cron.go:258), so two texts of
// the same zoned schedule ("TZ=" and "CRON_TZ=", an extra space, @daily
// and "0 0 * * *") are reported different. Low impact (Run only re-reads
// the same next time), but the answer is wrong.
func TestReview51RSameScheduleZoned(t *testing.T) {
	for _, c := range [][2]string{
		{"CRON_TZ=Europe/Paris 0 9 * * *", "TZ=Europe/Paris 0 9 * * *"},
		{"CRON_TZ=Europe/Paris 0 9 * * *", "CRON_TZ=Europe/Paris  0 9 * * *"},
		{"CRON_TZ=Europe/Paris @daily", "CRON_TZ=Europe/Paris 0 0 * * *"},
	} {
		if !SameSchedule(c[0], c[1]) {
			t.Errorf("SameSchedule(%q, %q) = false, want true (same zone, same times)", c[0], c[1])
		}
	}
}

// TestReview51RBackToIdlingWhenTheMinimumEnds: f (opted in, keep-alive
// 15m, never invoked for 48 h) sits at zero; the idler restores it ahead of
// its scheduled minimum "5 0 * * * for 10m = 2" (00:04:30) and holds it
// through 00:15. When the minimum ends nothing keeps it: no invocation in
// the last 15m. Yet the idler takes its OWN restore as a wake from zero
// (restored() leaves st.atZero set, act.go:69; followListing at 00:05
// sets wokenAt, follow.go:27), and holds f another five minutes as
// "recently_scaled: woken from zero 10m0s ago, keep-alive 15m0s": a
// misleading reason (nobody woke it; no request is waiting for a replica,
// the reason LastWoken exists) and two replicas held past the period the
// operator scheduled. Expected: the first cycle after the minimum ends
// idles it (or at least does not call the idler's own restore a wake).
func TestReview51RBackToIdlingWhenTheMinimumEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC
		old := start.Add(-48 * time.Hour)
		f := ref("f")
		e := newEnv(t, Config{}, function("f", 0, old, optIn(LabelZeroDuration, "15m", MinScheduleLabel, "5 0 * * * for 10m = 2")))
		e.src.last[f] = old
		var v Verdict
		for now := time.Now(); now.Before(start.Add(15 * time.Minute)); now = time.Now() {
			time.Sleep(30 * time.Second)
			v = verdictOf(e.d.RunOnce(t.Context(), time.Now()), f)
		}
		// The 00:15:00 cycle: the minimum (00:05–00:15) has just ended.
		if v.Code != CodeIdle {
			t.Errorf("00:15:00, the scheduled minimum over, f not invoked for 48 h: %s (%s), replicas %d; want idle (the idler's own restore for the schedule is no wake from zero)",
				v.Code, v.Reason, e.p.replicas(f))
		}
	})
}
