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

// TestReview50UnchangedZeroIsAZero: the idler's scale to zero found the
// function already at zero (another writer zeroed it after the listing;
// the conditional write re-read 0 and the actuator answered unchanged,
// Applied). The idler took it as overruled and did not mark the function
// at zero, so a gateway wake before the next listing was not seen as one:
// the woken function, its requests not yet in the metrics, was idled again.
func TestReview50UnchangedZeroIsAZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-48 * time.Hour)
		e := newEnv(t, Config{}, function("a", 1, old, optIn(LabelZeroDuration, "5m")))
		e.src.mu.Lock()
		e.src.last[ref("a")] = time.Now().Add(-time.Hour) // a series, quiet in the window
		e.src.onQuery = func(n int) {
			if n == 2 { // the re-check: another writer zeroes it meanwhile
				if err := e.p.Scale(context.Background(), ref("a"), 0); err != nil {
					t.Error(err)
				}
			}
		}
		e.src.mu.Unlock()
		rep := e.d.RunOnce(t.Context(), time.Now())
		v := verdictOf(rep, ref("a"))
		t.Logf("cycle 1: %s (%s), replicas %d", v.Code, v.Reason, e.p.replicas(ref("a")))
		e.src.mu.Lock()
		e.src.onQuery = nil
		e.src.mu.Unlock()

		time.Sleep(10 * time.Second)
		// The gateway wakes it for a request (not started yet: it waits for the replica).
		if err := e.p.Scale(context.Background(), ref("a"), 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second)
		rep = e.d.RunOnce(t.Context(), time.Now())
		v = verdictOf(rep, ref("a"))
		if len(rep.Idled) != 0 || e.p.replicas(ref("a")) == 0 {
			t.Errorf("woken from zero 20s ago (the idler's own scale to zero answered 'already at 0'): idled %v, verdict %s (%s); want recently_scaled, not idled",
				rep.Idled, v.Code, v.Reason)
		}
	})
}

// TestReview50RestoreAheadCountsTheCycle: a function at zero whose
// scheduled minimum starts before the idler's next run is raised by the
// cycle before (schedule_restore.go). The next run Run makes is the
// schedule's next after the cycle ENDS ("@every 30s": 30s after it ends),
// but restoreAhead looks only up to the schedule's next after the cycle's
// start (cycleNext). With a cycle of 5s (one slow activity query), the
// 00:03:25 cycle's next run is 00:04:00, when "4 0 * * *" starts, and it
// left f at zero; the 00:04:00 cycle raised it at 00:04:05, cold at the
// start.
func TestReview50RestoreAheadCountsTheCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in the bubble
		p := newTestProvider(t, memory.Options{},
			function("f", 0, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m", MinScheduleLabel, "4 0 * * * for 1h = 2")),
			function("busy", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "1m")))
		src := newFakeSource(start.Add(-24 * time.Hour))
		src.inflight[ref("busy")] = 1 // never idle: no re-check, one query a cycle
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false),
			Source: &slowSource{fakeSource: src, took: 5 * time.Second, bounds: true},
			Clock:  clock.Real(), Schedule: "@every 30s", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		time.Sleep(4*time.Minute + 30*time.Second)
		synctest.Wait()
		cancel()
		wg.Wait()
		minStart := start.Add(4 * time.Minute)
		var raised []string
		ok := false
		for _, c := range p.calls() {
			if c.Ref == ref("f") {
				raised = append(raised, fmt.Sprintf("→%d at +%s", c.Replicas, c.At.Sub(start)))
				if c.Replicas == 2 && !c.At.After(minStart) {
					ok = true
				}
			}
		}
		if !ok {
			t.Errorf("scheduled minimum 2 from 00:04:00, idler \"@every 30s\" with 5s cycles (runs at …03:25, 04:00): f raised %v; want →2 by the 00:03:25 cycle, before 00:04:00", raised)
		}
	})
}
