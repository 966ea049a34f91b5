package keepalive

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// review51ANTotals answers StartedTotals from a script: at a read time,
// the value of each series (series i+1; nil: an answer without any; a
// time not scripted: the read fails).
type review51ANTotals struct {
	ref    provider.Ref
	values map[time.Time][]float64 // one value per series, series i+1; nil: answered empty
}

func (s *review51ANTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("not read: the source has StartedTotals")
}

func (s *review51ANTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	vs, ok := s.values[at]
	if !ok {
		return buf[:0], errors.New("prometheus down")
	}
	out := buf[:0]
	for i, v := range vs {
		if v >= 0 {
			out = append(out, metricsource.Total{Ref: s.ref, Series: uint64(i + 1), N: v})
		}
	}
	return out, nil
}

// TestReview51ANCallsOfAnOutageCountedAfterTheRebaseStartAnIdleTime:
// Prometheus is down for 5 minutes (every read fails, more than the
// maxCatchUp steps a read reads back over), and comes back. The feeder
// rebases: it reads the counters at its step's start (4:45) as the base
// and counts from them, the span before unknown. Prometheus, restarted,
// has no sample of the gateway at 4:45 (the last is over its lookback
// old): the base answer lacks the series. At 5:00 the series is back,
// one call above its value before the outage: a call made somewhere in
// the 5 minutes nobody read (here at 0:30). TotalsDiff counts it from
// the value kept from before the outage, as a call of the 5:00 step, not
// Late (it missed one read, the base), so the policy places the
// function's last call at 5:00 and learns the next idle time from there:
// a call at 7:07 teaches an idle time of 135 s, where the real one was
// about 6m37s (and when the outage call was is unknown: none should be
// learned; with the series in the base read, none is). A series missing from a rebase's base is counted over the
// unknown span (TotalsDiff.Rebase: "the time since the last read is not
// to be counted"); its calls are late (ObserveLateCount), as those of a
// series missing from Late reads are.
//
// Cause: metricsource/totals.go Add: Late is `known && reads missed >=
// Late`, counted in reads, which a Rebase does not advance; nothing marks
// a value kept from before the Rebase.
func TestReview51ANCallsOfAnOutageCountedAfterTheRebaseStartAnIdleTime(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	step := 15 * time.Second
	src := &review51ANTotals{ref: ref, values: map[time.Time][]float64{
		s(-15): {4}, s(0): {4}, // the function's calls before t0: 4
		// 0:15 to 4:30: Prometheus down, reads fail (one call at 0:30)
		s(285): nil, // 4:45, the rebase's base: answered, without the series
		s(300): {5}, // 5:00: back, one call more (the one at 0:30)
		s(315): {5}, s(330): {5},
	}}
	for sec := 345; sec <= 450; sec += 15 {
		src.values[s(sec)] = []float64{5}
	}
	src.values[s(435)] = []float64{6} // the call at 7:07 (in (7:00, 7:15])
	src.values[s(450)] = []float64{6}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: step}
	for sec := 0; sec <= 450; sec += 15 {
		f.RunOnce(t.Context(), s(sec))
	}
	if got := review50Idle(p, ref); len(got) != 0 {
		t.Errorf("idle times %v s; want none: the call counted at 5:00 was made at an unknown time in the 5-minute outage "+
			"(its counter missing from the rebase's base), so the idle time it starts is not known", got)
	}
}

// failingAt is appendLagged whose StartedTotals fails at one read time.
type failingAt struct {
	*appendLagged
	at time.Time
}

func (s *failingAt) StartedTotals(ctx context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	if at.Equal(s.at) {
		return buf[:0], errors.New("prometheus: query timed out")
	}
	return s.appendLagged.StartedTotals(ctx, at, buf)
}

// TestReview51ANHandOverLostWhenTheFirstReadFailsHalfway: a rebuild up to
// upTo counts the call 3 s before it; the feeder (learn_step 1m) reads
// from a step before upTo (ReadsFrom). Its first read reads the counters
// at upTo-1m (the base, fine) and at upTo+1m, which fails (a timeout).
// RunOnce took the hand-over before the read and drops it with the failed
// read; but the base is kept, so the next read, at upTo+2m, counts from
// upTo-1m again (three steps, within maxCatchUp) and counts the call the
// rebuild counted a second time, now with nothing to take it off: it is
// placed in that 3-minute window, its last slot 30 s after upTo. The
// function's last invocation moves a minute later, to after the restart,
// where nobody called it (the plan's keep-alive and pre-warm windows are
// timed from it). The hand-over should stay until a read that reads the
// rebuild's steps succeeds (or the base read at upTo-1m be dropped with
// the failed read).
//
// Cause: keepalive/feed.go RunOnce: `handed = f.Policy.takeHandover()`
// before the read, dropped on `err != nil`; readTotals keeps the base read
// at the window's start (feed_totals.go) across the failure.
func TestReview51ANHandOverLostWhenTheFirstReadFailsHalfway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ref := provider.Ref{Name: "fn", Namespace: "fn"}
		t0 := time.Now()
		lagged := &appendLagged{t0: t0, calls: []time.Time{t0.Add(-2 * time.Hour), t0.Add(-10 * time.Minute), t0.Add(-3 * time.Second)}}
		p := mustPolicy(t)
		p.setFeederStep(time.Minute)
		upTo := time.Now()
		if _, err := p.Rebuild(t.Context(), lagged, upTo, time.Hour, time.Minute, "fn"); err != nil {
			t.Fatal(err)
		}
		before, ok := p.Explain(ref, time.Minute, upTo)
		if !ok {
			t.Fatal("not learned by the rebuild")
		}
		src := &failingAt{appendLagged: lagged, at: upTo.Add(time.Minute)}
		f := &Feeder{Policy: p, Source: src, Step: time.Minute}
		f.ReadsFrom(upTo, time.Minute)
		for range 4 {
			time.Sleep(time.Minute)
			f.RunOnce(t.Context(), time.Now())
		}
		after, _ := p.Explain(ref, time.Minute, time.Now())
		if !after.LastInvocation.Equal(before.LastInvocation) {
			t.Errorf("last invocation %v after upTo (the rebuild placed it %v after); want it unchanged: "+
				"no call was made after the restart, the one 3 s before it was counted twice",
				after.LastInvocation.Sub(upTo), before.LastInvocation.Sub(upTo))
		}
	})
}

// TestReview51ANMissingAcrossSlowReadsIsLate: Prometheus is loaded and
// each read takes about 50 s at the 15 s learn step, so the feeder reads
// every 50 s, each read reading back over the 50 s since the one before
// (RunOnce's catch-up window, under maxCatchUp steps). The function's
// counter is missing from three of those reads (1:05, 1:55, 2:45: its
// gateway's scrapes failing) and back at 3:35 one call up: a call made at
// 1:10, somewhere in the 3m20s since the read that last saw the counter.
// feed_totals.go sets TotalsDiff's Late to maxCatchUp because "a counter
// missing from more reads than a late read reads back over: its calls ...
// could be anywhere in the span"; but Late is counted in reads, and three
// reads are 2m30s here, more than the minute a late read reads back over:
// the call is counted as one of the last 50 s window and ends an idle
// time from the call at 0:00 to about 3:10 (197.5 s, where the real one
// was about 75 s). It should be late (no idle time learned), as it is
// when the reads come on time and the counter misses a minute of them.
//
// Cause: metricsource/totals.go Add: Late is `d.reads-prev.read-1 >=
// late`, reads not time; keepalive/feed_totals.go sets Late = maxCatchUp
// reads whatever span the reads cover.
func TestReview51ANMissingAcrossSlowReadsIsLate(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "fn"}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	src := &review51ANTotals{ref: ref, values: map[time.Time][]float64{
		s(-15): {0}, s(0): {1}, // a call in (-0:15, 0:00]
		s(15): {1},
		s(65): nil, s(115): nil, s(165): nil, // missing (the call at 1:10 not seen)
		s(215): {2}, // back: the 1:10 call
	}}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: 15 * time.Second}
	for _, sec := range []int{0, 15, 65, 115, 165, 215} {
		f.RunOnce(t.Context(), s(sec))
	}
	if got := review50Idle(p, ref); len(got) != 0 {
		t.Errorf("idle times %v s; want none: the call counted at 3:35 was made somewhere in the 2m30s its counter was "+
			"missing from the reads, more than a late read reads back over", got)
	}
}
