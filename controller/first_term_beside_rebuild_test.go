package controller

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestAFirstTermBesideTheRebuildReadsTheIdlesSinceTheStart: a
// term that starts while the start's rebuild runs leaves the counts
// functions were idled from to the rebuild (refreshZeroed: "it reads them
// as it ends, history newer than this term's start"). But the rebuild
// reads the replica history up to its own start (Learn's upTo, passed as
// RebuildWithin's now), and `run` starts Learn at once, the term only after
// the cache sync and the lease: a function another replica idled in
// between (here from 1, five seconds after this replica started; it was
// idled from 8 two hours earlier) keeps the rebuild's older count, nothing
// in the term reads the gap (the term's fill reads only before the span
// known), and a pre-warm starts 8 where 1 is the count it was last idled
// from (keepalive.PreWarm: "the count the function had when it was last
// idled"). Control, run during the review: the same test with the term
// starting 90 s after Learn, once the rebuild has ended, passes (the
// term's refresh reads the history since the rebuild's start: 1). The term
// now reads it once the rebuild has ended, two steps after it began.
//
// Seen failing before the fix: "a pre-warm of cron starts 8 replicas".
func TestAFirstTermBesideTheRebuildReadsTheIdlesSinceTheStart(t *testing.T) {
	const leadAt = 10 * time.Second // after Learn starts, while its rebuild (about 30 s) runs
	synctest.Test(t, func(t *testing.T) {
		// Idled from 8 by a former leader, two hours before this
		// replica starts; woken to 1 since.
		cfg, s, base := cronIdledFrom8(t, 30*time.Second)
		time.Sleep(2 * time.Hour)
		if err := s.mem.Scale(base, ref("cron"), 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)

		hist := &writesHistory{s: s, fns: []string{"cron"}, perStep: 20 * time.Millisecond}
		ctl, leading, _ := learning(t, cfg, s, base, hist)
		time.Sleep(5 * time.Second)
		// The other leader idles cron from 1, then lets the lease go.
		if err := s.mem.Scale(base, ref("cron"), 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(leadAt - 5*time.Second)
		end := startTerm(base, ctl, leading)
		defer end()
		time.Sleep(3 * time.Minute) // the rebuild, the refresh (two steps after the term began) and the fill have ended

		// cron is a 10-minute timer (learned by the feeder; told here).
		now := time.Now()
		for i := 12; i >= 0; i-- {
			ctl.KeepAlive.Observe(ref("cron"), now.Add(-9*time.Minute-time.Duration(i)*10*time.Minute))
		}
		e, ok := ctl.KeepAlive.Explain(ref("cron"), cfg.Defaults.ZeroDuration, now)
		if !ok || e.PreWarmFrom.IsZero() {
			t.Fatalf("control: no pre-warm planned for a 10-minute timer: %+v", e)
		}
		if e.PreWarmReplicas != 1 {
			t.Errorf("a pre-warm of cron starts %d replicas: the count of its idle two hours before this replica started, "+
				"not the 1 another replica idled it from after the start and before this term", e.PreWarmReplicas)
		}
	})
}
