package scaler

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Exact CE's drop to the floor held by an active scheduled minimum stays
// owed until the schedule ends, also when a write under the schedule lands
// (review53I_test.go). These tests keep that debt from being ended by a
// read that has not seen the write yet, or held against a function deployed
// again: both outcomes a debt carried by Decide, rather than by the
// actuator's outcome, has to get right.

// schedHeldEnv is review53GEnv (a lagging read, a recorded actuator) with a
// scheduled minimum of 3 that hold starts, and wrap (if set) around the
// actuator.
type schedHeldEnv struct {
	*review53GEnv
	mu    sync.Mutex
	until time.Time
}

func newSchedHeldEnv(t *testing.T, replicas uint64, wrap func(next Actuator, p *testProvider) Actuator) *schedHeldEnv {
	t.Helper()
	s := &schedHeldEnv{}
	s.review53GEnv = newReview53GEnvWith(t, review53BLabels, replicas, func(c *LoopConfig, p *testProvider) {
		// Listed with a creation time, so that a function deployed again
		// under its name is told apart (the actuator's gone).
		fn := function(refA, replicas, review53BLabels)
		fn.CreatedAt = time.Now().Add(-time.Hour)
		p.set(fn)
		c.MinFloor = func(fn provider.Function, now time.Time) (uint64, string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if now.Before(s.until) {
				return 3, "0 19 * * * for 2m = 3"
			}
			return 0, ""
		}
		if wrap != nil {
			c.Actuator = wrap(c.Actuator, p)
		}
	})
	return s
}

// hold starts the scheduled minimum of 3 for d.
func (s *schedHeldEnv) hold(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.until = time.Now().Add(d)
}

// passes runs 5 minutes of passes, 10 s apart.
func (s *schedHeldEnv) passes(t *testing.T) {
	t.Helper()
	for range 30 {
		time.Sleep(10 * time.Second)
		s.tick(t)
	}
}

// TestExactCEDropHeldByAScheduledMinOutlivesALaggingRead: the resolution at
// 4 under a scheduled minimum of 3 lands 4→3 and stays owed; the next pass
// reads 4 still (an informer cache that has not seen the write). That read
// is the count the drop was decided on, no raise since: the debt stays,
// and the function goes to its floor of 1 once the schedule ends. Owed from
// the count the write lands at (3), the lagging 4 read as a raise by hand
// and ended the debt: 3 for good.
func TestExactCEDropHeldByAScheduledMinOutlivesALaggingRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newSchedHeldEnv(t, 3, nil)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 4 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 4", got)
		}
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: the resolution under the scheduled min of 3 was meant to land 3: %d replicas (outcomes %v)", got, e.rec.all())
		}
		e.lag.setStale(refA, 4, true)
		time.Sleep(10 * time.Second)
		e.tick(t)
		e.lag.setStale(refA, 0, false)
		e.passes(t)
		if got := e.prov.replicas(refA); got != 1 {
			last := e.lastRecord()
			t.Errorf("exact CE: resolved at 4 under a scheduled min of 3 (landed 3), a pass on a lagging read of 4, 5m of passes: %d replicas (outcomes %v, last record %s %q), want the floor 1 once the schedule ended",
				got, e.rec.all(), last.Code, last.Reason)
		}
	})
}

// TestExactCEDropHeldByAScheduledMinIsNotHeldAgainstAFunctionDeployedAgain:
// the resolution at 4 under a scheduled minimum of 3 decides 4→3; before
// the actuator writes it, the function is deleted and deployed again at 2
// (gone: not written). The new function never had the alert: the debt
// Decide carried for the schedule's end is not held against it, and it
// keeps its 2 after the schedule (it was dropped to 1).
func TestExactCEDropHeldByAScheduledMinIsNotHeldAgainstAFunctionDeployedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var w *review53BBefore
		e := newSchedHeldEnv(t, 3, func(next Actuator, p *testProvider) Actuator {
			w = &review53BBefore{next: next, before: func() {
				p.remove(refA)
				fresh := function(refA, 2, review53BLabels)
				fresh.CreatedAt = time.Now()
				p.set(fresh)
			}}
			return w
		})
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		if got := e.prov.replicas(refA); got != 4 {
			t.Fatalf("setup: after the alert fired: %d replicas, want 4", got)
		}
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if codes := e.rec.all(); !w.done || len(codes) == 0 || codes[len(codes)-1] != actuator.CodeGone {
			t.Fatalf("setup: the drop was meant to find the function deployed again (outcomes %v)", codes)
		}
		e.passes(t)
		if got := e.prov.replicas(refA); got != 2 {
			last := e.lastRecord()
			t.Errorf("exact CE: the old function's drop under a scheduled min of 3 not written (gone: deployed again at 2), 5m of passes: the new function has %d replicas (last record %s %q), want its 2 kept",
				got, last.Code, last.Reason)
		}
	})
}

// TestExactCEDropHeldByAScheduledMinKeepsARaiseAboveItsCount: the
// resolution at 4 under a scheduled minimum of 3 lands 4→3 and stays owed;
// an operator then raises the function to 5, above the count the drop was
// decided on. That raise is the newer intent (exact CE holds without an
// alert): once the schedule ends it is kept, not taken to the floor.
func TestExactCEDropHeldByAScheduledMinKeepsARaiseAboveItsCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newSchedHeldEnv(t, 3, nil)
		e.tick(t)
		started := time.Now().Add(-10 * time.Second)
		e.alert(t, Firing, started)
		time.Sleep(20 * time.Second)
		e.hold(2 * time.Minute)
		e.alert(t, Resolved, started)
		if got := e.prov.replicas(refA); got != 3 {
			t.Fatalf("setup: the resolution under the scheduled min of 3 was meant to land 3: %d replicas (outcomes %v)", got, e.rec.all())
		}
		if err := e.prov.Scale(t.Context(), refA, 5); err != nil {
			t.Fatal(err)
		}
		e.passes(t)
		if got := e.prov.replicas(refA); got != 5 {
			last := e.lastRecord()
			t.Errorf("exact CE: resolved at 4 under a scheduled min of 3 (landed 3), raised to 5 by hand, 5m of passes: %d replicas (last record %s %q), want the raise's 5 kept",
				got, last.Code, last.Reason)
		}
	})
}
