package keepalive

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// restartedTotals is one gateway's started counter for one function
// (series 7) on a gateway without process metrics (its series keeps its
// name across a restart in place, TotalsDiff reads the fall as a reset):
// the process serving before restart counted before, the one started at
// restart counts after from 0. At missing the scrape failed (series
// stale, left out of the answer): the gateway was going down.
type restartedTotals struct {
	ref           provider.Ref
	before, after []time.Time
	restart       time.Time
	missing       time.Time
}

func (s *restartedTotals) Activity(context.Context, time.Duration) (metricsource.Activity, error) {
	return metricsource.Activity{}, errors.New("read through StartedTotals")
}

func (s *restartedTotals) StartedTotals(_ context.Context, at time.Time, buf []metricsource.Total) ([]metricsource.Total, error) {
	out := buf[:0]
	if !s.missing.IsZero() && at.Equal(s.missing) {
		return out, nil
	}
	n := countUpTo(s.before, at)
	if !at.Before(s.restart) {
		n = countUpTo(s.after, at)
	}
	return append(out, metricsource.Total{Ref: s.ref, Series: 7, N: float64(n)}), nil
}

// TestReview53HHandOverNotTakenOffCallsAfterAResetPastTheRebuildsEnd: the
// rebuild counted fn's call at end-40s in its last step and handed it
// over. The gateway (no process metrics, so its series keeps its name)
// went down at the rebuild's end (its scrape there failed: the series is
// missing from the feeder's read at the end) and came back at end+2s; fn
// was called at end+5s and end+9m40s. The counter at now (1) is below the
// base's (3): a reset, all of whose calls came after it. heldAtEnd adds
// the series to the end read at its value at now, so the reset's one call
// is counted before the end and the hand-over (the end-40s call, which the
// reset erased) is taken off it: the end+5s call is lost, and the idle
// time learned runs from end to end+9m40s. With the end read present the
// same call is counted after the end and learned (the split exists so that
// the hand-over is not taken off a restarted gateway's calls after the
// end: readSplit's comment).
func TestReview53HHandOverNotTakenOffCallsAfterAResetPastTheRebuildsEnd(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	src := func(missing time.Time) *restartedTotals {
		return &restartedTotals{
			ref:     ref,
			before:  []time.Time{end.Add(-20*time.Minute - 30*time.Second), end.Add(-20*time.Minute - 20*time.Second), end.Add(-20*time.Minute - 10*time.Second), end.Add(-40 * time.Second)},
			restart: end.Add(2 * time.Second),
			after:   []time.Time{end.Add(5 * time.Second), end.Add(9*time.Minute + 40*time.Second)},
			missing: missing,
		}
	}
	want := review53AFeed(t, ref, end, time.Minute, src(time.Time{}))
	got := review53AFeed(t, ref, end, time.Minute, src(end))
	if g, w := learned(got, ref), learned(want, ref); g != w {
		t.Errorf("with the series missing from the read at the rebuild's end (the gateway restarting there), learned %s; "+
			"want %s as when it is there (the call at end+5s, after the reset, is no call the rebuild counted)", g, w)
	}
}
