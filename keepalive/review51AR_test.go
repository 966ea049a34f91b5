package keepalive

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview51ARAdoptionSpentBeforeTheRebuildEnds: 11a4bca adopts the
// functions found up in their pre-warm window only at the first pass of a
// process or term (w.adopt), the restart case it exists for. But at a
// process's start the pre-warmer runs beside the start's rebuild
// (controller.Act starts "pre-warmer" while Learn's RebuildWithin still
// reads history: "a term that starts beside the start's rebuild (the
// leader at start: often the process's only term)"; the first pass comes
// after keep_alive.prewarm_interval, 10 s, a rebuild of a day at 10,000
// functions takes minutes). That first pass asks inPreWarm of a policy
// that holds no history yet: nothing is adopted, and adopt is spent. Once
// the rebuild has ended, a, pre-warmed by the process before the restart
// and still up in its window, is never counted, and b's pass pre-warms b
// on top of it: two functions pre-warmed at once where the share (0.25 of
// 2) allows one, exactly TestReview51YShareForgetsPreWarmsAcrossARestart's
// case, which passes only because its policy is already taught at the new
// pre-warmer's first pass. Expected: b not pre-warmed while a holds the
// slot. Cause: prewarm.go due: `if w.adopt { w.adopt = false ... }`
// spends adoption at a pass whose policy cannot yet say what is in its
// window (no history: inPreWarm skips functions it does not hold).
func TestReview51ARAdoptionSpentBeforeTheRebuildEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
		prov.Deploy(provider.Function{Ref: b, Labels: autoLabels})
		teach := func(pol *Policy) {
			for i := 20; i >= 0; i-- { // hourly timers, b 20 s after a
				pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
				pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+20*time.Second))
			}
		}
		oldPol, _ := New(Default())
		teach(oldPol)
		old, err := NewPreWarmer(PreWarmerConfig{Policy: oldPol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		plan, _ := oldPol.Plan(a, 15*time.Minute, start)
		time.Sleep(plan.PreWarmAt + 2*time.Second) // a's window, not yet b's
		if rep := old.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a {
			t.Fatalf("a's window: pre-warmed %+v, want a", rep.Scaled)
		}
		// Restart: a new process, its policy empty until the rebuild ends,
		// which the controller tells the pre-warmer (HistoryPending, as
		// controller.historyPending does: the fix).
		pol, _ := New(Default())
		var rebuilt atomic.Bool
		restarted, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov),
			HistoryPending: func() bool { return !rebuilt.Load() }})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // the first pass (prewarm_interval), the rebuild still reading
		if rep := restarted.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 0 {
			t.Fatalf("setup: a pass with no history pre-warmed %+v", rep.Scaled)
		}
		teach(pol) // the rebuild ends
		rebuilt.Store(true)
		time.Sleep(10 * time.Second) // b's window too; a's still open
		if until := start.Add(plan.PreWarmUntil); !time.Now().Before(until) {
			t.Fatalf("a's window is over (%s)", until)
		}
		rep := restarted.RunOnce(context.Background(), time.Now())
		if ra, rb := replicas(t, prov, a), replicas(t, prov, b); ra > 0 && rb > 0 {
			t.Errorf("after a restart whose rebuild outlasted the first pass: a (%d) and b (%d) pre-warmed at once; the share allows one (warm %d)", ra, rb, rep.Warm)
		}
	})
}
