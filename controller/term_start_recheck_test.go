package controller

import (
	"testing"
	"testing/synctest"
	"time"
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
		cfg, s, base := cronIdledFrom8(t, time.Minute)
		time.Sleep(2 * time.Hour)
		hist := &writesHistory{s: s, fns: []string{"cron"}, perStep: 20 * time.Millisecond, lag: RebuildStep}
		ctl, leading, logs := learning(t, cfg, s, base, hist)
		time.Sleep(2 * time.Minute) // the start's rebuild (~30 s) has ended

		end1 := startTerm(base, ctl, leading)
		time.Sleep(10 * time.Minute)
		end1() // cron's count: the 8 of its idle before the start

		// Following: the other leader wakes cron to 3 and idles it 30 s
		// before this replica leads again.
		time.Sleep(30 * time.Minute)
		if err := s.mem.Scale(base, ref("cron"), 3); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Minute)
		if err := s.mem.Scale(base, ref("cron"), 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Second)

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
