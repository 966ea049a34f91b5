package keepalive

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestBudgetCutFadesBusyStretches: the busy stretches' counters
// (history.busyCalls, busySecs) "fade as the ring replaces its oldest idle
// times, so they cover about what it holds" (policy.go), but the budget's
// cut (trimToBudget → keepNewest) drops most of the ring at once and leaves
// the counters whole: the rate that prices a cold start then counts the
// busy stretches of 256 cycles over the idle times of 20, and a function
// called about 3 times an hour reads as called 30 times an hour, priced at
// the fleet's price instead of ~3 times it. The cut history must plan as the
// same function that learned only the cycles the cut kept.
//
// Seen failing before the fix: "rate after the cut 34.1/h, learned over
// the kept cycles 3.3/h", the plan zero_now where pre_warm.
func TestBudgetCutFadesBusyStretches(t *testing.T) {
	ref := provider.Ref{Name: "f", Namespace: "fn"}
	step := 15 * time.Second
	// cycles of 4-8 h idle, then 5 busy minutes (a call every step).
	type cycle struct{ idle time.Duration }
	rng := rand.New(rand.NewPCG(3, 4))
	var cycles []cycle
	for range 300 {
		cycles = append(cycles, cycle{4*time.Hour + time.Duration(rng.Int64N(int64(4*time.Hour)))})
	}
	feed := func(p *Policy, from int) time.Time {
		now := t0
		for i, c := range cycles {
			now = now.Add(c.idle).Truncate(step)
			for range 20 {
				now = now.Add(step)
				if i >= from {
					p.ObserveCount(ref, now, step, 1)
				}
			}
		}
		return now
	}
	const keep = 20
	// The whole history, then cut by the budget to its newest 20.
	cut, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	now := feed(cut, 0)
	withIdleTimeBudget(t, keep+5)
	for i := range 5 { // rare functions: one idle time each
		r := provider.Ref{Name: fmt.Sprintf("rare-%d", i), Namespace: "fn"}
		cut.Observe(r, now.Add(-2*time.Hour))
		cut.Observe(r, now.Add(-time.Hour))
	}
	cut.Listed(now, func(provider.Ref) bool { return true })
	if n := len(cut.fns[ref].e); n != keep {
		t.Fatalf("test setup: the cut left %d idle times, want %d", n, keep)
	}
	// The same function that learned only the cycles the cut kept.
	fresh, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	feed(fresh, len(cycles)-keep-1)
	if n := len(fresh.fns[ref].e); n != keep {
		t.Fatalf("test setup: the reference holds %d idle times, want %d", n, keep)
	}
	rate := func(p *Policy) float64 {
		h := p.fns[ref]
		calls, secs := float64(h.busyCalls), float64(h.busySecs)
		for _, e := range h.e {
			calls += float64(e.w)
			secs += float64(min(e.it, float32(Default().Horizon.Seconds())))
		}
		return calls / secs * 3600
	}
	got, _ := cut.Plan(ref, 15*time.Minute, now)
	want, _ := fresh.Plan(ref, 15*time.Minute, now)
	t.Logf("rate after the cut %.1f/h, learned over the kept cycles %.1f/h", rate(cut), rate(fresh))
	if got.Code != want.Code || got.KeepAlive != want.KeepAlive || got.PreWarmAt != want.PreWarmAt || got.PreWarmUntil != want.PreWarmUntil {
		t.Errorf("after the budget's cut to %d idle times the plan is priced on the busy stretches of all %d cycles:\n got  %s (%s)\n want %s (%s)",
			keep, len(cycles), got.Code, got.Reason, want.Code, want.Reason)
	}
}
