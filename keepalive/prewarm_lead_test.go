package keepalive

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A timer every 10 minutes whose calls fall 1 s into a learning step: the
// counts place each call mid-step (or in the step's last slot), after the
// real call. The pre-warm must still be due MinLead before the next real
// call, and the window must not open much more than a step earlier than
// that (the price of not knowing where in its step the call was).
const (
	leadPeriod = 10 * time.Minute
	leadOffset = time.Second // into its step
)

// assertLeadKept checks Due, KeepAlive and Explain around next, the next
// real call, for a policy that has learned the timer.
func assertLeadKept(t *testing.T, p *Policy, ref provider.Ref, next time.Time, step time.Duration) {
	t.Helper()
	lead := Default().MinLead
	fallback := 15 * time.Minute
	at := next.Add(-lead)
	if due := p.Due(at, []provider.Ref{ref}, 0, fallback); len(due) != 1 {
		plan, last := p.Plan(ref, fallback, at)
		t.Fatalf("%s before the next call: not due (plan %s: %s; last placed %s before the call, window from %s)",
			lead, plan.Code, plan.Reason, next.Sub(last), plan.PreWarmAt)
	}
	if _, why := p.KeepAlive(ref, fallback, 1, at); !strings.Contains(why, "in the pre-warm window") {
		t.Errorf("%s before the next call the idler is told %q, want the pre-warm window", lead, why)
	}
	e, _ := p.Explain(ref, fallback, at)
	if plan, _ := p.Plan(ref, fallback, at); e.Reason == "" || e.Reason != plan.Reason {
		t.Errorf("explain's reason %q, want the plan's %q", e.Reason, plan.Reason)
	}
	if !e.WarmNow || e.PreWarmFrom.After(at) {
		t.Errorf("explain %s before the next call: warm %v, window from %s, want warm from at latest %s", lead, e.WarmNow, e.PreWarmFrom, at)
	}
	// Not open more than a step (and a second of rounding) earlier than
	// the lead needs: the slack is the step, not more.
	early := next.Add(-lead - step - 2*time.Second)
	if due := p.Due(early, []provider.Ref{ref}, 0, fallback); len(due) != 0 {
		t.Errorf("due %s before the next call, more than the lead and a step (%s) early", next.Sub(early), step)
	}
}

// TestPreWarmKeepsTheLeadAtLiveSteps: learned live at 15 s steps, the
// window opened 23.5 s before the call (placed 7.5 s into the step, 6.5 s
// after it) against the 30 s lead.
func TestPreWarmKeepsTheLeadAtLiveSteps(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "cron", Namespace: "fn"}
	const step = 15 * time.Second
	var call time.Time
	for i := range 20 {
		call = t0.Add(time.Duration(i)*leadPeriod + leadOffset)
		end := t0.Add(time.Duration(i)*leadPeriod + step) // the step (end-15s, end] holds the call
		p.ObserveCount(ref, end, step, 1)
	}
	assertLeadKept(t, p, ref, call.Add(leadPeriod), step)
}

// TestPreWarmKeepsTheLeadAfterARebuild: relearned from Prometheus at the
// rebuild's 1 m steps, the window opened 1 s before the call.
func TestPreWarmKeepsTheLeadAfterARebuild(t *testing.T) {
	const n = 20
	now := t0.Add(n*leadPeriod - time.Minute) // a minute before the next call's minute
	var pts []model.SamplePair
	v := 0.0
	for m := 0; m <= int(now.Sub(t0)/time.Minute); m++ {
		at := t0.Add(time.Duration(m) * time.Minute)
		// The call at leadOffset past minute k·10 shows at the step
		// ending a minute later.
		if m > 0 && (m-1)%int(leadPeriod/time.Minute) == 0 {
			v++
		}
		pts = append(pts, model.SamplePair{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: model.SampleValue(v)})
	}
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRange{v: model.Matrix{{Metric: model.Metric{"function_name": "cron.fn"}, Values: pts}}}
	if _, err := p.Rebuild(context.Background(), f, now, now.Sub(t0), time.Minute, "fn"); err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "cron", Namespace: "fn"}
	next := t0.Add(n*leadPeriod + leadOffset)
	assertLeadKept(t, p, ref, next, time.Minute)
}

// TestExactCallsHaveNoSlack: a time seen exactly (Observe) opens the window
// PreWarmAt after it, no earlier.
func TestExactCallsHaveNoSlack(t *testing.T) {
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	ref := provider.Ref{Name: "cron", Namespace: "fn"}
	var last time.Time
	for i := range 20 {
		last = t0.Add(time.Duration(i) * leadPeriod)
		p.Observe(ref, last)
	}
	plan, _ := p.Plan(ref, 15*time.Minute, last)
	if plan.PreWarmAt <= 0 {
		t.Fatalf("plan %s (%s), want a pre-warm window", plan.Code, plan.Reason)
	}
	if due := p.Due(last.Add(plan.PreWarmAt-time.Second), []provider.Ref{ref}, 0, 15*time.Minute); len(due) != 0 {
		t.Errorf("due a second before the window opens: %+v", due)
	}
	if due := p.Due(last.Add(plan.PreWarmAt), []provider.Ref{ref}, 0, 15*time.Minute); len(due) != 1 {
		t.Errorf("not due when the window opens")
	}
}
