package keepalive

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestObserveCountRebuildsState: per-minute counts (as a Prometheus range
// query returns them after a restart) teach the same timer as invocations.
func TestObserveCountRebuildsState(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	for m := 0; m < 600; m++ {
		n := 0
		if m%30 == 0 {
			n = 1
		}
		p.ObserveCount(ref, t0.Add(time.Duration(m+1)*time.Minute), time.Minute, n)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, t0.Add(10*time.Hour))
	if plan.Code != CodePeriodic || plan.PreWarmAt > 30*time.Minute || plan.PreWarmUntil < 30*time.Minute {
		t.Errorf("plan %s %s–%s, want periodic around 30 min (%s)", plan.Code, plan.PreWarmAt, plan.PreWarmUntil, plan.Reason)
	}
}

// TestBurstsAreNotIdleTimes: a function called in bursts — 500 requests in
// one 15 s step every 60–90 s, as the feeder counts them — must be kept
// warm across the gaps between bursts: missing one costs 500 cold starts.
// Read as 499 tiny idle times per burst (the old ObserveCount), the history
// held one burst's spacing and the plan let the function go to zero 15 s
// after each burst.
func TestBurstsAreNotIdleTimes(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	step := 15 * time.Second
	at := t0
	gaps := []time.Duration{60, 75, 90, 60, 75, 90, 60, 75, 90, 60, 75, 90, 60}
	for _, g := range gaps {
		at = at.Add(g * time.Second)
		p.ObserveCount(ref, at, step, 500)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, at)
	// The longest idle time is 75 s: 90 s from burst to burst, less the step.
	if plan.Code != CodeKeepAlive || plan.KeepAlive < 75*time.Second {
		t.Errorf("plan %s keep %s, want a keep-alive over the 75 s idle times between bursts (%s)", plan.Code, plan.KeepAlive, plan.Reason)
	}
	if plan.ExpectedCold > 0.01 {
		t.Errorf("expected cold share %.3f, want ≈ 0 (%s)", plan.ExpectedCold, plan.Reason)
	}
}

// TestOneBusyStepIsStillLearning: a first step with a thousand requests is
// one function seen once, not a thousand idle times to plan on.
func TestOneBusyStepIsStillLearning(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	p.ObserveCount(ref, t0, 15*time.Second, 1000)
	if plan, _ := p.Plan(ref, 15*time.Minute, t0); plan.Code != CodeLearning {
		t.Errorf("plan %s after one busy step, want learning (%s)", plan.Code, plan.Reason)
	}
}

// TestSteadyTrafficKeepsItsLulls: a function busy every 15 s step for two
// hours, then quiet for 5 minutes, all day. The plan after a busy stretch
// must still cover the 5-minute lulls: pushed as idle times, the steps of
// one busy hour filled the 256-entry history with sub-step gaps, the lulls
// fell out of it, and the plan let the function go to zero within seconds
// of the next lull.
func TestSteadyTrafficKeepsItsLulls(t *testing.T) {
	p, _ := New(Config{PreWarmShare: 0.25})
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	step := 15 * time.Second
	at := feedStretches(p, ref, 14, 2*60*4, 10, 5*time.Minute) // two hours busy, a 5-minute lull
	plan, _ := p.Plan(ref, 15*time.Minute, at)
	// A lull, as the steps show it, is 5 minutes less a step from the last
	// call to the next; warm then by keep-alive or by pre-warm is covered.
	if lull := 5*time.Minute - step/2; !plan.Warm(lull, 0) {
		t.Errorf("plan %s not warm %s after the last call, want the 5-minute lulls covered (%s)", plan.Code, lull, plan.Reason)
	}
}

// feedStretches feeds p, from t0, rounds of steps busy 15 s steps with n
// calls each, then a lull; it returns the time after the last lull.
func feedStretches(p *Policy, ref provider.Ref, rounds, steps, n int, lull time.Duration) time.Time {
	const step = 15 * time.Second
	at := t0
	for range rounds {
		for range steps {
			at = at.Add(step)
			p.ObserveCount(ref, at, step, n)
		}
		at = at.Add(lull)
	}
	return at
}
