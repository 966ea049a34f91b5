package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// The idler and the scaler no longer fight: with a zero-duration (10 s)
// shorter than the scaler's stable window (20 s), a function whose load
// stops is idled once and stays at zero — the scaler's stable average still
// holds the old load, but a wake from zero needs fresh evidence, and the
// actuator drops a wake resting on load measured before the idle. While it
// has load it is never at zero.
func TestIdlerAndScalerDoNotFight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{}, fn{name: "api", replicas: 1,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s", scaler.LabelTarget, "10"),
			work: gatewaysim.Workload{Duration: 50 * time.Millisecond, Load: gatewaysim.Pattern{
				{For: 60 * time.Second, RPS: 8}, {For: time.Hour, RPS: 0}}}})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		start := time.Now()
		for time.Since(start) < 58*time.Second {
			time.Sleep(500 * time.Millisecond)
			if r := s.replicas(t, "api"); r == 0 {
				t.Fatalf("at %s, with load, the function is at zero", time.Since(start))
			}
		}
		time.Sleep(3 * time.Minute)
		ws := s.writes("api")
		idled := -1
		for i, w := range ws {
			if w.To == 0 {
				idled = i
				break
			}
		}
		if idled < 0 {
			t.Fatalf("never idled after the load stopped: writes %+v", ws)
		}
		if later := ws[idled+1:]; len(later) != 0 {
			t.Errorf("woken again without load after the idle at %s: %+v", ws[idled].At.Sub(start), later)
		}
		if r := s.replicas(t, "api"); r != 0 {
			t.Errorf("ends at %d replicas, want 0", r)
		}
	})
}

// Dry-run is total: the scaler (load above target), the idler (an idle
// opted-in function) and the idler's maintain-min restore all decide, and
// not one write reaches the provider.
func TestDryRunWritesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Idler.MaintainMin = true
		s := newStack(t, cfg, Wiring{DryRun: true},
			fn{name: "busy", replicas: 1, labels: labels(scaler.LabelTarget, "5"),
				work: gatewaysim.Workload{Duration: 20 * time.Millisecond, Load: gatewaysim.Pattern{{For: time.Hour, RPS: 50}}}},
			fn{name: "idle", replicas: 2, labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "10s")},
			fn{name: "parked", replicas: 0, labels: labels(scaler.LabelMin, "2")})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(2 * time.Minute)
		if calls := s.mem.Calls(); len(calls) != 0 {
			t.Errorf("dry run wrote: %+v", calls)
		}
		// ... and each component did want to act.
		for name, who := range map[string]actuator.Component{"busy": actuator.Scaler, "idle": actuator.Idler, "parked": actuator.Restore} {
			var saw bool
			for _, o := range s.ctl.Actuator.History(ref(name)) {
				saw = saw || (o.Code == actuator.CodeDryRun && o.Intent.Who == who)
			}
			if !saw {
				t.Errorf("%s: no dry-run verdict from the %s: %+v", name, who, s.ctl.Actuator.History(ref(name)))
			}
		}
	})
}

// The pre-warmer and the idler: a timer function learned by the keep-alive
// is pre-warmed ahead of its next run, and the idler leaves it warm for the
// whole pre-warm window the plan asked for — the pre-warm is not undone
// before it can pay off. (No run comes in this test, so after the window the
// idler is right to idle it.)
func TestPreWarmIsNotIdledInItsWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{}, fn{name: "cron", replicas: 0,
			labels: labels(scaler.LabelZero, "true", scaler.LabelZeroDuration, "auto")})
		now := time.Now()
		// Runs every 10 minutes; the last one 9 minutes ago.
		last := now.Add(-9 * time.Minute)
		for i := 12; i >= 0; i-- {
			s.ctl.KeepAlive.Observe(ref("cron"), last.Add(-time.Duration(i)*10*time.Minute))
		}
		plan, _ := s.ctl.KeepAlive.Plan(ref("cron"), 15*time.Minute, now)
		if plan.PreWarmAt <= 0 || plan.PreWarmUntil <= 9*time.Minute {
			t.Fatalf("the policy did not plan a pre-warm ahead of a 10-minute timer: %+v", plan)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		until := last.Add(plan.PreWarmUntil)
		var warmAt time.Time
		for time.Now().Before(until.Add(2 * time.Minute)) {
			time.Sleep(time.Second)
			r := s.replicas(t, "cron")
			if r > 0 && warmAt.IsZero() {
				warmAt = time.Now()
			}
			if r == 0 && !warmAt.IsZero() && time.Now().Before(until) {
				t.Fatalf("pre-warmed at %s after the last run, idled at %s, inside the plan's window (until %s): %+v",
					warmAt.Sub(last), time.Since(last), plan.PreWarmUntil, s.ctl.Actuator.History(ref("cron")))
			}
		}
		if warmAt.IsZero() {
			t.Fatalf("never pre-warmed; plan %+v, history %+v", plan, s.ctl.Actuator.History(ref("cron")))
		}
		if lead := last.Add(plan.PreWarmAt).Sub(warmAt); lead < -15*time.Second || lead > 15*time.Second {
			t.Errorf("pre-warmed %s away from the plan's point", lead)
		}
		var byPreWarm bool
		for _, o := range s.ctl.Actuator.History(ref("cron")) {
			byPreWarm = byPreWarm || (o.Intent.Who == actuator.PreWarm && o.Code == actuator.CodeApplied)
		}
		if !byPreWarm {
			t.Errorf("the raise was not the pre-warmer's: %+v", s.ctl.Actuator.History(ref("cron")))
		}
	})
}
