package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// afterRebuild runs a feeder told the rebuild ended at t0 (ReadsFrom),
// whose Run starts took later, for runFor, over a function whose last call
// the rebuild learned 10 minutes before t0 and that is then called at
// calls after t0. It returns what the policy learned and the source's
// read times after t0. Inside a synctest bubble.
func afterRebuild(t *testing.T, step, took, runFor time.Duration, calls ...time.Duration) (idle []time.Duration, reads []time.Duration, f *Feeder) {
	t.Helper()
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	p.ObserveCount(ref, t0.Add(-10*time.Minute), time.Minute, 1) // what the rebuild learned: the last call
	src := &counterSource{ref: ref, calls: []time.Time{t0.Add(-10 * time.Minute)}}
	for _, c := range calls {
		src.calls = append(src.calls, t0.Add(c))
	}
	f = &Feeder{Policy: p, Source: src, Step: step}
	f.ReadsFrom(t0, time.Minute)
	time.Sleep(took) // the rebuild's query
	ctx, cancel := context.WithTimeout(t.Context(), runFor)
	defer cancel()
	_ = f.Run(ctx)
	for _, at := range src.asked {
		reads = append(reads, at.Sub(t0))
	}
	return idleTimes(p, ref), reads, f
}

// TestFeederReadsFromTheRebuildsEnd: after a restart the rebuild learns
// the history up to its start, t0, and the feeder begins a step after it
// starts, the rebuild's time later. A call in between (here 5 s after t0,
// the rebuild taking 20 s and the first read coming at 35 s) was in
// neither: the idle time in progress was learned as if it had run on to
// the next call, 15 minutes instead of 10 and 5. ReadsFrom(t0, a minute)
// makes the first read count from the rebuild's step before t0, the longer
// of the two steps (a scrape stamped before t0 may have been appended after
// the rebuild read it; a call the rebuild read is placed within its last
// minute, and counted again it ends no idle time).
//
// Seen failing without ReadsFrom's effect: "idle times [15m28s]".
func TestFeederReadsFromTheRebuildsEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got, reads, _ := afterRebuild(t, 15*time.Second, 20*time.Second, 6*time.Minute, 5*time.Second, 5*time.Minute)
		// Each call is placed inside the window it was counted in: the
		// rebuild's a minute, the first read's the 35 s since t0.
		if len(got) != 2 || got[0] < 9*time.Minute || got[0] > 11*time.Minute+35*time.Second ||
			got[1] < 4*time.Minute+25*time.Second || got[1] > 5*time.Minute+35*time.Second {
			t.Errorf("idle times %v; want about 10m and 5m (the call 5 s after the rebuild's end counted)", got)
		}
		if len(reads) < 2 || reads[0] != -time.Minute {
			t.Errorf("reads at %v after t0; want the first from the rebuild's step (a minute) before t0, the rebuild's end", reads)
		}
	})
}

// TestFeederReadsBackOverALongRebuild: a rebuild longer than the steps a
// late read reads back over (keep_alive.rebuild_timeout raised to read a
// day: about 2 minutes at 10,000 functions, the docs' advice) left its own
// span unknown: every function's idle time in progress at the restart was
// not learned, and a call made while the rebuild ran was not counted. The
// first read after a rebuild reads back to its end over up to
// maxRebuildGap, the calls there placed within that one window.
//
// Seen failing with the first read after a rebuild held to maxCatchUp
// steps: "idle times [5m0s]".
func TestFeederReadsBackOverALongRebuild(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 25 s is over maxCatchUp steps of 5 s.
		got, reads, f := afterRebuild(t, 5*time.Second, 25*time.Second, 11*time.Minute, 5*time.Second, 5*time.Minute, 10*time.Minute)
		// The call at 5 s is counted in the first read's window (from the
		// rebuild's minute before t0 to its read 30 s after) and placed
		// within it, the one before within the rebuild's minute: the idle
		// time between is about 10 minutes, then 5 (give or take half the
		// 90 s window) and 5.
		if len(got) != 3 || got[0] < 10*time.Minute-5*time.Second || got[0] > 11*time.Minute ||
			got[1] < 4*time.Minute+15*time.Second || got[1] > 5*time.Minute+45*time.Second {
			t.Errorf("idle times %v; want about 10m, 5m and 5m (the call made during the rebuild counted)", got)
		}
		if len(reads) < 1 || reads[0] != -time.Minute {
			t.Errorf("reads at %v after t0; want the first from the rebuild's step (a minute) before t0, the rebuild's end", reads)
		}
		if f.gapWarned != (time.Time{}) {
			t.Errorf("a gap between reads warned at %v; want none (no read was missed)", f.gapWarned)
		}
	})
}

// TestFeederStartsUnknownAfterARebuildLongerThanItReadsBack: a rebuild's
// end more than maxRebuildGap back is not read back to (its calls would be
// placed within a window that long); the span is unknown (no idle time
// learned across it), without the Warn of a gap between reads, as no read
// was missed.
func TestFeederStartsUnknownAfterARebuildLongerThanItReadsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		took := maxRebuildGap + time.Minute
		got, _, f := afterRebuild(t, 15*time.Second, took, took+11*time.Minute, 5*time.Second, took+5*time.Minute, took+10*time.Minute)
		// The call at 5 s is not read; the one after the rebuild ends an
		// idle time of unknown start (not learned), the last a known one.
		if len(got) != 1 || got[0] < 5*time.Minute-15*time.Second || got[0] > 5*time.Minute+15*time.Second {
			t.Errorf("idle times %v; want only the 5m between the calls after the unknown start", got)
		}
		if f.gapWarned != (time.Time{}) {
			t.Errorf("a gap between reads warned at %v; want none (no read was missed)", f.gapWarned)
		}
	})
}
