package keepalive

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestHandOverAroundARestartInPlace: the rebuild counted a call at end-40s
// in its last step and handed it over; the function was called again at
// end+30s and end+9m40s. Whenever the gateway restarted in place (its
// series renamed, counting from zero) — before the rebuild's last step,
// inside it (before or after the handed-over call), or after the rebuild's
// end — the feeder's first read must take off exactly the calls the
// rebuild counted and count the one after, so the idle times learned are
// those learned without a restart. A restart inside the last step counted
// the handed-over call again from the new series (whole, so nothing was
// taken off it: [20m0s 9m0s] where [20m0s 9m30s] is right, a review's
// finding); one after the end lost the call at end+30s when the hand-over
// was taken off the new series.
func TestHandOverAroundARestartInPlace(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	end := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) // the rebuild's end
	calls := []time.Time{end.Add(-20*time.Minute - 30*time.Second), end.Add(-40 * time.Second), end.Add(30 * time.Second), end.Add(9*time.Minute + 40*time.Second)}
	run := func(restart time.Time) []time.Duration {
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
		f := &Feeder{Policy: p, Step: time.Minute, Source: &restartTotals{ref: ref, calls: calls, restart: restart}}
		f.ReadsFrom(end, time.Minute)
		for m := 1; m <= 12; m++ {
			f.RunOnce(t.Context(), end.Add(time.Duration(m)*time.Minute))
		}
		return idleTimes(p, ref)
	}
	want := run(time.Time{})
	if !slices.Equal(want, []time.Duration{20 * time.Minute, 9*time.Minute + 30*time.Second}) {
		t.Fatalf("without a restart learned %v, want [20m0s 9m30s] (calls counted in the steps ending at -20m, 0, 1m and 10m30s)", want)
	}
	for _, restart := range []time.Duration{-5 * time.Minute, -50 * time.Second, -30 * time.Second, 10 * time.Second} {
		if got := run(end.Add(restart)); !slices.Equal(got, want) {
			t.Errorf("gateway restarted in place at end%+v: learned idle times %v, want %v as without the restart", restart, got, want)
		}
	}
}
