package actuator

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// A restore to a scheduled minimum (the idler at the start of a
// scheduled-min window, function at zero) queued behind a busy pool loses
// the merge to the scaler's higher wake, which Arbitrate then drops as
// stale evidence (its load window began before the idle). The restore,
// kept as the wake's fallback, is run in its place: the function gets its
// scheduled minimum now, not at the idler's next cron run. Either order of
// arrival.
//
// Seen failing before the fix (found by a review): merge_test.go:60: wake stale_evidence (wake from zero on load measured since 23:59:30.000, before idler scaled it to zero at 00:00:00.000), restore superseded (replaced by scaler's intent before it ran), replicas 0; want stale_evidence, applied, 2
func TestFallbackRunsWhenMergeWinnerIsDropped(t *testing.T) {
	for _, order := range []struct {
		name      string
		wakeFirst bool
	}{{"restore first", false}, {"wake first", true}} {
		t.Run(order.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
					map[provider.Ref]uint64{refA: 1, refB: 1})
				// The idler scaled A to zero a minute ago.
				if o := r.a.Apply(t.Context(), intent(Idler, refA, 1, 0)); o.Code != CodeApplied {
					t.Fatal(o.Code)
				}
				idledAt := time.Now()
				time.Sleep(time.Minute)

				stop := r.run()
				defer stop()
				// The only worker is busy on another function (a backlog).
				release := r.p.Block(refB)
				busy := r.submit(intent(Scaler, refB, 1, 2))
				synctest.Wait()

				restore := intent(Restore, refA, 0, 2) // scheduled minimum 2 starts now
				wake := intent(Scaler, refA, 0, 3)
				wake.EvidenceFrom = idledAt.Add(-30 * time.Second) // load window still holds pre-idle load
				var restoreCh, wakeCh <-chan Outcome
				if order.wakeFirst {
					wakeCh = r.submit(wake)
					restoreCh = r.submit(restore)
				} else {
					restoreCh = r.submit(restore)
					wakeCh = r.submit(wake)
				}
				release()
				outcome(t, busy)
				wo, ro := outcome(t, wakeCh), outcome(t, restoreCh)
				if wo.Code != CodeStaleEvidence || ro.Code != CodeApplied || ro.To != 2 || r.replicas(refA) != 2 {
					t.Errorf("wake %s (%s), restore %s (%s), replicas %d; want stale_evidence, applied, 2",
						wo.Code, wo.Reason, ro.Code, ro.Reason, r.replicas(refA))
				}
			})
		})
	}
}

// A fallback is its component's intent: when that component proposes again
// while the winner runs, the newer intent replaces the fallback, which is
// not run even though the winner is not applied (here its write fails).
func TestFallbackReplacedByItsComponentsNewerIntent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, memory.Options{}, func(c *Config) { c.Workers = 1 },
			map[provider.Ref]uint64{refA: 1, refB: 1})
		stop := r.run()
		defer stop()
		releaseB := r.p.Block(refB) // the only worker is busy on b
		busy := r.submit(intent(Scaler, refB, 1, 2))
		synctest.Wait()
		fallback := r.submit(intent(Restore, refA, 1, 2))
		winner := r.submit(intent(Scaler, refA, 1, 3))
		releaseA := r.p.Block(refA)
		r.p.FailScale(refA, 1, errors.New("gateway down"))
		releaseB()
		outcome(t, busy)
		synctest.Wait() // the winner's write is held in the provider
		newer := r.submit(intent(Restore, refA, 1, 2))
		releaseA()
		if o := outcome(t, winner); o.Code != CodeError {
			t.Fatalf("winner: %s (%s); want error", o.Code, o.Reason)
		}
		if o := outcome(t, fallback); o.Code != CodeSuperseded || o.Reason != "replaced by restore's intent before it ran" {
			t.Errorf("fallback: %s (%s); want superseded by restore", o.Code, o.Reason)
		}
		if o := outcome(t, newer); o.Code != CodeBackoff {
			t.Errorf("newer restore: %s (%s); want backoff (the winner's write failed)", o.Code, o.Reason)
		}
		if c := r.p.Calls(); len(c) != 2 {
			t.Errorf("provider calls %+v; want b's and the winner's only", c)
		}
	})
}
