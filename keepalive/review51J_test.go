package keepalive

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview51JDailyTimerAtTheHorizonIsLearned: a daily cron job (the most
// common timer there is) invoked at the same second every day. Config.Horizon
// says "Horizon is the longest idle time learned; longer ones count as 'did
// not come back'", and the default Horizon is 24 h, so an idle time of
// exactly 24 h is learned, not "beyond the horizon". idleValue
// (policyobserve.go, `if it >= p.cfg.Horizon`) turns it into +Inf: after 12
// days the plan is zero_now with 100 % of the calls cold and the reason
// says "12 idle times (12 beyond the horizon)" for a function that came
// back every day to the second. Expected: 12 learned idle times of 24 h
// and a periodic plan pre-warming around 24 h (a window of 23h59m30s–
// 24h0m30s is allowed: MaxKeepAlive bounds only its one-minute length).
// With a few seconds of jitter the same cut makes about half the idle
// times +Inf and the plan prices them as cold ("expect 40 % cold") although
// its window covers them.
func TestReview51JDailyTimerAtTheHorizonIsLearned(t *testing.T) {
	p := mustPolicy(t)
	ref := provider.Ref{Name: "daily-report", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 3, 0, 0, 0, time.UTC)
	const days = 12
	for d := 0; d <= days; d++ {
		p.Observe(ref, t0.Add(time.Duration(d)*24*time.Hour))
	}
	now := t0.Add(days*24*time.Hour + time.Hour)
	plan, _ := p.Plan(ref, 15*time.Minute, now)
	if plan.Code != CodePeriodic || plan.ExpectedCold > 0 {
		t.Errorf("a call every 24 h to the second (Horizon 24 h, \"the longest idle time learned\"): plan %s, expect %.0f%% cold (%s); want periodic, pre-warmed around 24 h",
			plan.Code, 100*plan.ExpectedCold, plan.Reason)
	}
	// Just before the next call the pre-warm must be due.
	next := t0.Add((days + 1) * 24 * time.Hour)
	if due := p.Due(next.Add(-20*time.Second), []provider.Ref{ref}, 0, 15*time.Minute); len(due) != 1 {
		t.Errorf("20 s before the next daily call nothing is due: every call of the cron job is cold")
	}
}

// TestReview51JShortTimerIsNotUnloadedForUnderAMinute: a timer every 70 s.
// chooseQuietly's own rule for unloading (plan.go, the pre-warm grid):
// "Unloading only pays when the replica stays away for a while: the gap
// between the burst window and the pre-warm is at least a minute (and two
// leads), or the plan is a keep-alive in disguise" (docs/sim.md: "the
// replica must stay away at least a minute"). The periodic candidate
// (periodic(), tried last with try()) is exempt from it: it only requires
// the median to be 2 × MinLead (60 s), and its window opens at q05 − MinLead,
// so a 70 s timer gets "zero after each run, pre-warm 40s–1m40s after it":
// the idler (every 30 s, a 1 s keep-alive) deletes the replica and the
// pre-warmer starts a new one 40 s after each call, about 1,200 scale-downs
// and cold starts of a pod a day to save 30 s of idle time per call, and
// the plan prices none of that churn. Expected: a plan that unloads keeps
// the replica away at least max(60 s, 2 × MinLead) (here a keep-alive of
// 77 s, as the grid's own rule would leave).
func TestReview51JShortTimerIsNotUnloadedForUnderAMinute(t *testing.T) {
	its := make([]float64, 30)
	for i := range its {
		its[i] = 70
	}
	cfg := Default()
	pl := Choose(its, 15*time.Minute, cfg)
	minGap := max(time.Minute, 2*cfg.MinLead)
	if pl.PreWarmAt > 0 && pl.PreWarmAt-pl.KeepAlive < minGap {
		t.Errorf("a 70 s timer: plan %s (%s): the replica is away %s between the keep-alive and the pre-warm; want at least %s or no unload",
			pl.Code, pl.Reason, pl.PreWarmAt-pl.KeepAlive, minGap)
	}
}

// TestReview51JHigherWorthNeverLessIdleWeighted (pin): a higher
// cold_start_worth never chooses fewer expected idle seconds or more
// expected cold starts, also for weighted idle times (bursts), replicas that
// serve more than one request, pre-warms of several replicas, busy
// stretches and idle times beyond the horizon (the existing
// TestColdStartWorthTradesColdForIdle has unweighted idle times only).
func TestReview51JHigherWorthNeverLessIdleWeighted(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 10))
	worths := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 24 * time.Hour}
	for run := range 300 {
		n := 10 + rng.IntN(80)
		its, ws := make([]float64, n), make([]float64, n)
		for i := range its {
			switch r := rng.IntN(10); {
			case r == 0:
				its[i] = math.Inf(1)
			case r < 4:
				its[i] = float64(float32(600 + rng.NormFloat64()*10))
			case r < 6:
				its[i] = float64(5 + rng.IntN(40))
			default:
				its[i] = float64(float32(rng.ExpFloat64() * 1800))
			}
			ws[i] = float64(1 + rng.IntN(20))
		}
		l := Learned{Idle: its, Weight: ws, Serves: float64(rng.IntN(5)), PreWarmReplicas: float64(rng.IntN(4)),
			BusyCalls: float64(rng.IntN(200)), BusySeconds: float64(rng.IntN(3600))}
		var prev Plan
		for i, w := range worths {
			cfg := Default()
			cfg.ColdStartWorth = w
			pl := ChooseFor(l, 15*time.Minute, cfg)
			if i > 0 && (pl.ExpectedIdle < prev.ExpectedIdle-1e-6 || pl.ExpectedCold > prev.ExpectedCold+1e-9) {
				t.Fatalf("run %d: worth %s gives %s (cold %.4f, idle %.1f s), less idle or more cold than worth %s's %s (cold %.4f, idle %.1f s)",
					run, w, pl.Code, pl.ExpectedCold, pl.ExpectedIdle, worths[i-1], prev.Code, prev.ExpectedCold, prev.ExpectedIdle)
			}
			prev = pl
		}
	}
}
