package keepalive

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview52XRestartInPlaceDuringALongAbsenceCountsLate: a gateway's
// series is missing from minute 10 to 19 (its scrapes failing), and its
// process restarted in place at minute 11, as its start time says when it
// is scraped again at minute 20. The call the new process counted by then
// was made anywhere from minute 11 to 20: nobody observed those nine
// minutes. seriesCounts takes "the new process counted since it started"
// as if it started in the step the series is back in, and places the call
// there as an on-time call (not late), so the rebuild learns an idle time
// of ~19 minutes across the nine minutes of missing data, and another
// starting at a call whose time is not known. The start time itself says
// the process started nine minutes before that step: its calls are as late
// as those of a series back at the same value without a restart
// (TestRebuildLateOnlyAfterTheFeedersGap's "long").
func TestReview52XRestartInPlaceDuringALongAbsenceCountsLate(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	restartedAt := float64(t0.Add(11*time.Minute).Unix()) + 0.25
	f := &restartHistory{ranged: &ranged{}}
	f.series = append(f.series, counterAt("fn.openfaas-fn", "gw-x", map[int]float64{0: 1, 1: 2, 10: math.NaN(), 20: 1, 40: 2}))
	f.starts = append(f.starts, startedAt("gw-x", map[int]float64{0: float64(t0.Add(-24 * time.Hour).Unix()), 10: math.NaN(), 20: restartedAt}))
	p := mustPolicy(t)
	if _, err := p.Rebuild(t.Context(), f, t0.Add(time.Hour), time.Hour, time.Minute, "openfaas-fn"); err != nil {
		t.Fatal(err)
	}
	want := mustPolicy(t)
	want.ObserveCount(ref, atMinute(1).Time(), time.Minute, 1)
	want.ObserveLateCount(ref, atMinute(20).Time(), time.Minute, 1)
	want.ObserveCount(ref, atMinute(40).Time(), time.Minute, 1)
	if got, w := learned(p, ref), learned(want, ref); got != w {
		t.Errorf("learned %s, want %s: the process started at minute 11, nine minutes into the series' absence, "+
			"so its call may be anywhere in them and ends no idle time (idle times %v)", got, w, idleTimes(p, ref))
	}
}

// gapTotals is a gateway's started counter for one function, never called
// since its value n: as Prometheus answers an instant query of it, except
// at missing, when the gateway's last scrape had failed (its series
// marked stale: not in the answer).
type gapTotals struct {
	ref     provider.Ref
	n       float64
	missing time.Time
}

func (s *gapTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *gapTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	if at.Equal(s.missing) {
		return buf[:0], nil
	}
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: 7, N: s.n}), nil
}

// TestReview52XFirstReadAfterARebuildCountsNoCallFromAStaleBase: the
// rebuild (here told directly) learned a function's last call 20 minutes
// before it ended; its counter has stood at 40 since. The feeder's first
// read reads the counter twice, at its window's start (the base) and at
// its end; at the base the gateway's last scrape had failed (its series
// stale, missing from the answer), at the end it is back at 40. No call
// was made. TotalsDiff counts a series missing from the base whole, as
// new: 40 calls placed in the first read's window, and the policy learns
// an idle time of ~20 minutes ending at calls nobody made (weighing 40),
// and starts the next at them. Missing is not zero (Feeder's doc): a
// series missing from the base was not observed there, and its value
// counted whole is its history's, not calls of the step.
func TestReview52XFirstReadAfterARebuildCountsNoCallFromAStaleBase(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // the rebuild's end
	p.ObserveCount(ref, end.Add(-20*time.Minute), time.Minute, 1)
	f := &Feeder{Policy: p, Step: time.Minute}
	f.ReadsFrom(end, time.Minute)
	now := end.Add(time.Minute) // Run's first tick
	f.Source = &gapTotals{ref: ref, n: 40, missing: now.Add(-2 * time.Minute)}
	n := f.RunOnce(t.Context(), now)
	if its := idleTimes(p, ref); len(its) != 0 || n != 0 {
		t.Errorf("the first read counted calls of %d functions and the policy learned idle times %v; want none: "+
			"the counter stood at 40 throughout, missing from the base read only (a failed scrape)", n, its)
	}
}

// restartTotals is a gateway's started counter for one function as the
// Prometheus source reads it (metricsource/prometheus epochs.go): the calls
// made up to a read's time, under series 7 until the gateway restarted in
// place at restart, and after it, under series 8 (renamed with the new
// process's start time), the calls made since (restart zero: never).
type restartTotals struct {
	ref     provider.Ref
	calls   []time.Time
	restart time.Time
}

func (s *restartTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *restartTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	after := !s.restart.IsZero() && !at.Before(s.restart)
	n := 0
	for _, c := range s.calls {
		if !c.After(at) && (!after || c.After(s.restart)) {
			n++
		}
	}
	series := uint64(7)
	if after {
		series = 8
	}
	return append(buf[:0], metricsource.Total{Ref: s.ref, Series: series, N: float64(n)}), nil
}

// TestReview52XHandOverTakesNoCallOfARestartedGateway: the rebuild counted
// a call at end-40s in its last step and handed it over; the gateway then
// restarted in place (end+10s) and the function was called again at
// end+30s and at end+9m40s. The feeder's first read never sees the
// rebuild's call again (the old process's series is gone from its read at
// its end; the new one counts only the call since the restart), yet it
// takes the handed-over call off the new process's count: the call at
// end+30s is lost, and the idle time to the next call is learned from the
// rebuild's call instead. Learned the same as without the restart (one
// series counting on), where the hand-over only takes off what the first
// read counted again.
func TestReview52XHandOverTakesNoCallOfARestartedGateway(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // the rebuild's end
	calls := []time.Time{end.Add(-20*time.Minute - 30*time.Second), end.Add(-40 * time.Second), end.Add(30 * time.Second), end.Add(9*time.Minute + 40*time.Second)}
	run := func(restart time.Time) []time.Duration {
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		// What the rebuild learned at one-minute steps, and handed over.
		after := p.beginHandover(end, time.Minute)
		for _, at := range []time.Time{end.Add(-20 * time.Minute), end} {
			p.ObserveCount(ref, at, time.Minute, 1)
			if model.TimeFromUnixNano(at.UnixNano()) > after {
				p.handOver(ref, 1)
			}
		}
		f := &Feeder{Policy: p, Step: time.Minute, Source: &restartTotals{ref: ref, calls: calls, restart: restart}}
		f.ReadsFrom(end, time.Minute)
		for m := 1; m <= 12; m++ {
			f.RunOnce(t.Context(), end.Add(time.Duration(m)*time.Minute))
		}
		return idleTimes(p, ref)
	}
	want := run(time.Time{})
	if got := run(end.Add(10 * time.Second)); !slices.Equal(got, want) {
		t.Errorf("with the gateway restarted after the rebuild learned idle times %v, want %v as without the restart: "+
			"the handed-over call was taken off the new process's count, which never held it", got, want)
	}
}
