package reaction

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestReview52RWayDownFromAStepNeverReachedIsNoFigure — runOnce steps the
// load down after upTimeout whether or not the way up got there ("capacity
// not ready within 4m0s" is only logged), and TestReaction appends
// Measure(down) and Surplus(down) of every run that did not fail. A run
// whose controller never scaled up (replicas still at the minimum, 1, when
// the load stops) has no way down to measure: nothing is above the need.
// Yet its down phase reads "surplus gone" at 0.0 s and a way-down surplus
// of 0 replica-s, the best figure a run can have, and the median takes it
// (Surplus's doc: "the replica-seconds held above the need from the step
// until the function is back at it"; "a lower bound is not a figure"). A
// broken run then flatters its setting's way down against the HPA model,
// the opposite of Median's rule ("Leaving such runs out would flatter the
// setting that missed"; counting them as the best is worse). Expected: no
// figure (NotReached / NaN, or the run listed as failed), never 0.
func TestReview52RWayDownFromAStepNeverReachedIsNoFigure(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// The load stepped down at t0 after a way up that never left 1 replica.
	down := Phase{Step: t0, Need: NeedDown, Up: false, Samples: []Sample{
		{At: at(0.02), Desired: 1, Available: 1}, {At: at(60), Desired: 1, Available: 1}, {At: at(120), Desired: 1, Available: 1},
	}}
	m := Measure(down)
	if m.Ready != NotReached {
		t.Errorf("down phase with nothing above the need: \"surplus gone\" after %v, want not reached (no way down was measured)", m.Ready)
	}
	s, measured := Surplus(down)
	if measured {
		t.Errorf("down phase with nothing above the need: surplus %v replica-s, want no figure (not measured)", s)
	}

	// What the report then says for a setting with two good runs and the
	// broken one: the broken run's 0 is the median's low end and moves it.
	up := Timings{FirstCall: 5 * time.Second, Requested: 6 * time.Second, Ready: 8 * time.Second}
	good := Timings{FirstCall: 120 * time.Second, Requested: 125 * time.Second, Ready: 126 * time.Second}
	res := Result{Setting: "faas-autoscaler, scrape 5s",
		Up:      []Timings{up, up, {FirstCall: NotReached, Requested: NotReached, Ready: NotReached}},
		Down:    []Timings{good, good, m},
		Surplus: []float64{560, 580, s}}
	var b bytes.Buffer
	WriteTable(&b, []Result{res}, 966)
	for line := range strings.SplitSeq(b.String(), "\n") {
		if strings.HasPrefix(line, "- faas-autoscaler") && strings.Contains(line, "–/–/– ; –/– ; 0") {
			t.Errorf("a run whose way up never happened is reported with a way-down surplus of 0 replica-s:\n%s", line)
		}
	}
}
