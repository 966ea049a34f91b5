package keepalive

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// endGapTotals is one gateway's started counter for one function (series
// 7, the calls made up to a read's time), as Prometheus answers an
// instant query of it, except at missing, where the gateway's scrape had
// failed (its series marked stale, left out of the answer). The stale
// marker of a scrape that timed out is appended after the scrape's
// timeout: a rebuild that read the rebuild's end just before saw the
// sample before it; the feeder, reading that time later, does not.
type endGapTotals struct {
	ref     provider.Ref
	calls   []time.Time
	missing time.Time
	// other, when set, is another function's counter on another gateway
	// (series 9, always read), called at otherCalls.
	other      provider.Ref
	otherCalls []time.Time
}

func (s *endGapTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *endGapTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	out := buf[:0]
	if s.other != (provider.Ref{}) {
		out = append(out, metricsource.Total{Ref: s.other, Series: 9, N: float64(countUpTo(s.otherCalls, at))})
	}
	if !s.missing.IsZero() && at.Equal(s.missing) {
		return out, nil
	}
	return append(out, metricsource.Total{Ref: s.ref, Series: 7, N: float64(countUpTo(s.calls, at))}), nil
}

// countUpTo is how many of calls were made by at.
func countUpTo(calls []time.Time, at time.Time) int {
	n := 0
	for _, c := range calls {
		if !c.After(at) {
			n++
		}
	}
	return n
}

// review53AFeed learns what the rebuild learned (calls counted in its
// one-minute steps ending at end-20m and at end, the last handed over)
// and then feeds p from src at step from the rebuild's end for 12
// minutes; it returns p.
func review53AFeed(t *testing.T, ref provider.Ref, end time.Time, step time.Duration, src metricsource.StartedTotals) *Policy {
	t.Helper()
	p, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	after := p.beginHandover(end, time.Minute)
	for _, at := range []time.Time{end.Add(-20 * time.Minute), end} {
		p.ObserveCount(ref, at, time.Minute, 1)
		if model.TimeFromUnixNano(at.UnixNano()) > after {
			p.handOver(ref, 1)
		}
	}
	f := &Feeder{Policy: p, Step: step, Source: src.(ActivitySource)}
	f.ReadsFrom(end, time.Minute)
	for now := end.Add(step); !now.After(end.Add(12 * time.Minute)); now = now.Add(step) {
		f.RunOnce(t.Context(), now)
	}
	return p
}

// TestReview53ASeriesMissingAtTheRebuildsEndReadIsNotLate: the default
// learn_step (15 s). A function's gateway scrape failed at the rebuild's
// end (its series stale there, for the rebuild and the feeder alike), so
// the rebuild learned its calls up to end-20m only; it was called at
// end-40s, end+5s and end+9m40s. The feeder's first read (at end+15s)
// counts from a base a minute before the rebuild's end; the series is in
// the base and in the read at now, and every call between is inside that
// read's window, so the read counts them on time (missed no read), and
// the idle time from end+5s to end+9m40s is learned. When the rebuild
// also handed over a call of any other function, the first read is split
// at the rebuild's end (readSplit): the series, missing from that one
// read, is now counted from a read 75 s back, over TotalsDiff's LateSpan
// (4 steps, 60 s), and its whole count is Late: the idle time its calls
// start is not learned (ObserveLateCount). How a function is learned
// must not depend on whether another function was called in the
// rebuild's last minute.
func TestReview53ASeriesMissingAtTheRebuildsEndReadIsNotLate(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	other := provider.Ref{Name: "other", Namespace: "openfaas-fn"}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	calls := []time.Time{end.Add(-20*time.Minute - 30*time.Second), end.Add(-40 * time.Second), end.Add(5 * time.Second), end.Add(9*time.Minute + 40*time.Second)}
	run := func(otherCalled bool) *Policy {
		p, err := New(Default())
		if err != nil {
			t.Fatal(err)
		}
		after := p.beginHandover(end, time.Minute)
		p.ObserveCount(ref, end.Add(-20*time.Minute), time.Minute, 1)
		src := &endGapTotals{ref: ref, calls: calls, missing: end, other: other}
		if otherCalled {
			// other's one call, at end-30s, counted in the rebuild's
			// last step and handed over.
			src.otherCalls = []time.Time{end.Add(-30 * time.Second)}
			p.ObserveCount(other, end, time.Minute, 1)
			if model.TimeFromUnixNano(end.UnixNano()) > after {
				p.handOver(other, 1)
			}
		}
		f := &Feeder{Policy: p, Step: 15 * time.Second, Source: src}
		f.ReadsFrom(end, time.Minute)
		for now := end.Add(15 * time.Second); !now.After(end.Add(12 * time.Minute)); now = now.Add(15 * time.Second) {
			f.RunOnce(t.Context(), now)
		}
		return p
	}
	want, got := run(false), run(true)
	if g, w := learned(got, ref), learned(want, ref); g != w {
		t.Errorf("another function called in the rebuild's last step (the first read split at its end): learned %s; "+
			"want %s as without it (fn's calls are all inside the first read's window, counted from the base its series was in)", g, w)
	}
}

// TestReview53AHandOverTakenOffASeriesMissingAtTheRebuildsEnd: the same at
// a one-minute learn step, where nothing is late: the rebuild counted the
// call at end-40s in its last step (read before the failed scrape's stale
// marker was appended) and handed it over. The feeder's read at the
// rebuild's end lacks the series, so the part before the end counts
// nothing of it and the hand-over is taken off nothing: the first read
// counts the call at end-40s again beside the one at end+5s (two calls
// where one is new), a call counted twice around the rebuild's end, which
// the hand-over exists to prevent (handover.go). Unsplit, the first read
// took the hand-over off its whole count and counted one.
func TestReview53AHandOverTakenOffASeriesMissingAtTheRebuildsEnd(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	calls := []time.Time{end.Add(-20*time.Minute - 30*time.Second), end.Add(-40 * time.Second), end.Add(5 * time.Second), end.Add(9*time.Minute + 40*time.Second)}
	want := review53AFeed(t, ref, end, time.Minute, &endGapTotals{ref: ref, calls: calls})
	got := review53AFeed(t, ref, end, time.Minute, &endGapTotals{ref: ref, calls: calls, missing: end})
	if g, w := learned(got, ref), learned(want, ref); g != w {
		t.Errorf("with the series missing from the read at the rebuild's end only, learned %s; want %s as when it is there", g, w)
	}
}
