package reaction

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// A failed run is reported and excluded, never a 0.0 s in the medians.
//
// Seen failing: with the failed run kept as a zero Timings (as the bench
// did), the CE median first call reads 5.0 s instead of 10.0 s.
func TestFailedRunExcluded(t *testing.T) {
	s := func(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }
	ce := Result{Setting: "CE", Failed: []string{"run 1"},
		Up:   []Timings{{FirstCall: s(10), Requested: s(20), Ready: s(30)}, {FirstCall: s(10), Requested: s(20), Ready: s(30)}},
		Down: []Timings{{FirstCall: s(1), Requested: s(2), Ready: s(3)}, {FirstCall: s(1), Requested: s(2), Ready: s(3)}}}
	var b bytes.Buffer
	WriteTable(&b, []Result{ce}, math.NaN())
	out := b.String()
	if !strings.Contains(out, "| CE | 2 (1) | 10.0 s | 20.0 s | 30.0 s |") {
		t.Errorf("table row wrong:\n%s", out)
	}
	if !strings.Contains(out, "failed and excluded: run 1") {
		t.Errorf("failed run not reported:\n%s", out)
	}
}

// The goals are against CE: when REACTION_ONLY leaves CE out, the first
// setting is one of ours, and a line "≥ 5× faster than CE" computed against
// it would put a ratio between two of our settings under CE's name.
func TestGoalsOnlyAgainstCE(t *testing.T) {
	s := func(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }
	run := []Timings{{FirstCall: s(2), Requested: s(3), Ready: s(5)}}
	rec := Result{Setting: Settings()[1].Name, Up: run, Down: run, Surplus: []float64{500}}
	def := Result{Setting: Settings()[2].Name, Up: run, Down: run, Surplus: []float64{500}}
	var b bytes.Buffer
	WriteTable(&b, []Result{rec, def}, math.NaN())
	if out := b.String(); strings.Contains(out, "than CE") {
		t.Errorf("goals against CE without CE in the run:\n%s", out)
	}
	ce := Result{Setting: Settings()[0].Name, Up: []Timings{{FirstCall: s(30), Requested: s(90), Ready: s(92)}}, Down: run, Surplus: []float64{32}}
	b.Reset()
	WriteTable(&b, []Result{ce, rec}, math.NaN())
	if out := b.String(); !strings.Contains(out, "first scale call ≥ 5× faster than CE: 15.0× → met") {
		t.Errorf("no goal against CE:\n%s", out)
	}
}

// TestWriteTableWayDownNotMeasured: a run with no way down is blank in the
// per-run list, named, and out of the down medians; a setting none of whose
// runs had one reads "not measured", not "not reached".
func TestWriteTableWayDownNotMeasured(t *testing.T) {
	nm := Timings{NotMeasured: true, FirstCall: NotReached, Requested: NotReached, Ready: NotReached}
	s := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	good := Timings{FirstCall: s(120), Requested: s(125), Ready: s(126)}
	up := Timings{FirstCall: s(5), Requested: s(6), Ready: s(8)}
	var b bytes.Buffer
	WriteTable(&b, []Result{
		{Setting: "some", Up: []Timings{up, up, up}, Down: []Timings{good, nm, nm}, Surplus: []float64{560, 0, 0}},
		{Setting: "none", Up: []Timings{up}, Down: []Timings{nm}, Surplus: []float64{0}},
	}, math.NaN())
	out := b.String()
	for _, want := range []string{
		"| some | 3 (0) | 5.0 s | 6.0 s | 8.0 s | 120.0 s | 125.0 s | 126.0 s | 560 |",
		"| none | 1 (0) | 5.0 s | 6.0 s | 8.0 s | not measured | not measured | not measured | not measured |",
		"5.0/6.0/8.0 ; way down not measured",
		"way down not measured, left out of its medians (nothing above the need when the load stopped: the way up never left it): run 2, 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestWayDownNotMeasuredIsTheTimingsFlag: whether a run's way down was
// measured is its Down timings' NotMeasured flag, and the surplus median
// leaves such runs out whatever number stands in their Surplus entry: a
// NaN told apart by its bits did not survive a text round trip (strconv
// writes every NaN "NaN") or a sum with another NaN, and a 0 there read as
// the best way down.
func TestWayDownNotMeasuredIsTheTimingsFlag(t *testing.T) {
	nm := Timings{NotMeasured: true, FirstCall: NotReached, Requested: NotReached, Ready: NotReached}
	s := func(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }
	good := Timings{FirstCall: s(120), Requested: s(125), Ready: s(126)}
	up := Timings{FirstCall: s(5), Requested: s(6), Ready: s(8)}
	var b bytes.Buffer
	WriteTable(&b, []Result{
		{Setting: "some", Up: []Timings{up, up, up}, Down: []Timings{good, nm, nm}, Surplus: []float64{560, 0, 0}},
		{Setting: "none", Up: []Timings{up}, Down: []Timings{nm}, Surplus: []float64{0}},
	}, math.NaN())
	out := b.String()
	for _, want := range []string{
		"| some | 3 (0) | 5.0 s | 6.0 s | 8.0 s | 120.0 s | 125.0 s | 126.0 s | 560 |",
		"| none | 1 (0) | 5.0 s | 6.0 s | 8.0 s | not measured | not measured | not measured | not measured |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
