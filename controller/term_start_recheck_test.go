package controller

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestATermReadsAgainWhatItsStartCouldNotSee: Prometheus shows a fall to
// zero in the replica history only once a whole step after it is at zero
// (RebuildReplicasQuery), so a term's refresh at its start cannot see what
// the former leader idled in its last minute or two. The counts are then
// current from the term's start (the idler tells its own), and the next
// term reads from this one's end: such a fall was never read, and a
// pre-warm of the function started the count of an older idle. Two steps
// into the term the history shows it: the term reads it then, keeping
// what its own idler told meanwhile.
//
// Seen failing before the fix (session 47): "a pre-warm of cron starts 8
// replicas, want the 3 the former leader idled it from 30 s before the
// term began".
func TestATermReadsAgainWhatItsStartCouldNotSee(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, base, ctl, leading, logs := cronIdledFrom3Before(t, 5*time.Minute, 30*time.Second)

		end2 := startTerm(base, ctl, leading)
		time.Sleep(3 * time.Minute) // past two steps into the term
		got := cronPreWarmReplicas(t, ctl, cfg.Defaults.ZeroDuration)
		end2()
		if got != 3 {
			t.Errorf("a pre-warm of cron starts %d replicas, want the 3 the former leader idled it from 30 s before the term began:\n%s",
				got, grepLines(logs.String(), "keep-alive"))
		}
	})
}

// TestATermEndedBeforeItsRecheckLeavesTheFallToTheNext: a term that ends
// before its recheck (a lease lost 115 s in) never reads what the former
// leader idled just before it began; recheckZeroed returned the refresh's
// time, and Act's ZeroedCurrent moved the counts' "current to" to the
// term's end: the next term read the history after that end only, and the
// fall, which showed before it, was read by no term (a pre-warm of cron
// started the count of an older idle for good). It returns zero now, as
// refreshAfterRebuild does, and the next term reads from the term's start.
//
// The times are off the history's one-minute grid on purpose, so that the
// fall shows at no step of the later read (writesHistory rounded a fall
// before a read's start up to its first step until this test showed it).
//
// Seen failing before the fix (session 47, a review's test): "a pre-warm of
// cron starts 8 replicas, want the 3 the former leader idled it from 70 s
// before the short term began".
func TestATermEndedBeforeItsRecheckLeavesTheFallToTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The history shows the fall at a step from 60 s to 120 s after
		// it, after the last step the term's refresh reads (on the grid of
		// the last term's end) and before the term's end, 115 s in; the
		// times are off the history's one-minute grid.
		cfg, base, ctl, leading, logs := cronIdledFrom3Before(t, 5*time.Minute+10*time.Second, 70*time.Second)

		end2 := startTerm(base, ctl, leading)
		time.Sleep(115 * time.Second) // the lease is lost before the recheck, two steps in
		end2()

		time.Sleep(10 * time.Minute) // following; nobody touches cron
		end3 := startTerm(base, ctl, leading)
		time.Sleep(3 * time.Minute) // past this term's own refresh and recheck
		got := cronPreWarmReplicas(t, ctl, cfg.Defaults.ZeroDuration)
		end3()
		if got != 3 {
			t.Errorf("a pre-warm of cron starts %d replicas, want the 3 the former leader idled it from 70 s before the short term began "+
				"(no term read that fall: the short term ended before its recheck, and the next read from its end):\n%s",
				got, grepLines(logs.String(), "keep-alive"))
		}
	})
}

// cronIdledFrom3Before is cronIdledFrom8's stack, two hours on, with a
// controller reading its replica history as Prometheus shows it (a fall a
// whole step after it) that led ten minutes (cron's count: the 8 of its
// idle before the start); 30 minutes on, the other leader wakes cron to 3,
// upFor later idles it, and before passes: the next term starts then.
func cronIdledFrom3Before(t *testing.T, upFor, before time.Duration) (config.Config, context.Context, *Controller, *atomic.Bool, *teststack.SyncBuffer) {
	t.Helper()
	cfg, s, base := cronIdledFrom8(t, time.Minute)
	time.Sleep(2 * time.Hour)
	hist := &writesHistory{s: s, fns: []string{"cron"}, perStep: 20 * time.Millisecond, lag: RebuildStep}
	ctl, leading, logs := learning(t, cfg, s, base, hist)
	time.Sleep(2 * time.Minute) // the start's rebuild (~30 s) has ended
	end1 := startTerm(base, ctl, leading)
	time.Sleep(10 * time.Minute)
	end1()
	time.Sleep(30 * time.Minute)
	if err := s.mem.Scale(base, ref("cron"), 3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(upFor)
	if err := s.mem.Scale(base, ref("cron"), 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(before)
	return cfg, base, ctl, leading, logs
}
