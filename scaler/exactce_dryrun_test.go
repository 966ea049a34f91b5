package scaler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
)

// intentLog records the loop's intents as "from→to code" with their
// outcome's code.
type intentLog struct {
	next Actuator
	mu   sync.Mutex
	log  []string
}

func (a *intentLog) Submit(ctx context.Context, in actuator.Intent, done func(actuator.Outcome)) {
	a.next.Submit(ctx, in, func(o actuator.Outcome) {
		a.mu.Lock()
		a.log = append(a.log, fmt.Sprintf("%d→%d %s %s", in.From, in.To, in.Code, o.Code))
		a.mu.Unlock()
		done(o)
	})
}

// take returns the intents recorded since the last take.
func (a *intentLog) take() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.log
	a.log = nil
	return l
}

// TestExactCEDryRunHeldDropAsksForTheScheduleUntilItEnds: in dry run
// (the actuator answers dry_run and writes nothing) exact CE's resolution
// at 4 under a scheduled minimum of 3 asks for 3; the drop is owed until
// the schedule ends (oweHeldDrop), and the function, never written, is
// still at 4 on every pass, so each pass asks for 3 again, as dry run
// asks every pass for what any mode decides on the count it reads
// (TestDryRunNeverScales). That repeat is dry run's, not a wrong intent:
// each is the schedule's 3, none goes below it while it holds, the
// schedule's end asks once for the floor (what a run that writes asks
// then), and, dry run taken as done (kept), nothing more is asked after
// it, as after a drop that no schedule held. A guard: owed again on
// dry_run, the end's drop was asked for on every pass for good.
func TestExactCEDryRunHeldDropAsksForTheScheduleUntilItEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log *intentLog
		e := newSchedHeldEnv(t, 4, func(_ Actuator, p *testProvider) Actuator {
			log = &intentLog{next: newActuatorOn(t, p, nil, true, nil)}
			return log
		})
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started) // 4→5 asked, not written
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if got := log.take(); len(got) != 2 || got[1] != "4→3 scheduled_min dry_run" {
			t.Fatalf("setup: want the step and the resolution's drop held at the schedule's 3, both dry run: %v", got)
		}
		for range 11 { // 110 s: within the schedule's 2 minutes
			time.Sleep(10 * time.Second)
			e.tick(t)
		}
		during := log.take()
		for _, in := range during {
			if in != "4→3 scheduled_min dry_run" {
				t.Errorf("dry run, under the scheduled min of 3: asked %q (all %v), want only the schedule's 3", in, during)
			}
		}
		e.passes(t) // past the schedule's end
		after := log.take()
		if len(after) != 1 || after[0] != "4→1 step_down dry_run" {
			t.Errorf("dry run, the schedule over: asked %v over 5m of passes, want the drop to the floor once: 4→1 step_down dry_run", after)
		}
		if calls := e.prov.takeCalls(); len(calls) != 0 {
			t.Errorf("dry run called Scale: %v", calls)
		}
	})
}
