package replay

import (
	"math"
	"strings"
	"testing"
	"time"
)

func sec(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func round(ours, base float64) Round {
	return Round{Ours: Run{CPU: sec(ours)}, Baseline: Run{CPU: sec(base)}, Order: []string{"ours", "baseline"}}
}

// TestSummaryIsTheRatioOfMedians: the figure is median(ours) over
// median(baseline), not the mean of the rounds' ratios, so one slow round
// of either moves it no more than the middle one does.
func TestSummaryIsTheRatioOfMedians(t *testing.T) {
	rs := []Round{round(3.0, 0.6), round(2.8, 0.5), round(6.0, 0.55), round(2.9, 1.2), round(3.1, 0.58)}
	s, err := Summarise(rs)
	if err != nil {
		t.Fatal(err)
	}
	if s.Ours != sec(3.0) || s.Baseline != sec(0.58) {
		t.Errorf("medians %v and %v, want 3s and 580ms", s.Ours, s.Baseline)
	}
	if want := 3.0 / 0.58; math.Abs(s.Ratio-want) > 1e-9 {
		t.Errorf("ratio %.4f, want %.4f", s.Ratio, want)
	}
	if len(s.RoundRatios) != 5 || math.Abs(s.RoundRatios[2]-6.0/0.55) > 1e-9 {
		t.Errorf("round ratios %v", s.RoundRatios)
	}
	if s.Against != 0 || s.AgainstRatio != 0 {
		t.Errorf("a second build's figures without one: %v, %v", s.Against, s.AgainstRatio)
	}
}

func TestSummaryMedianOfAnEvenCount(t *testing.T) {
	s, err := Summarise([]Round{round(2, 0.5), round(4, 0.7)})
	if err != nil {
		t.Fatal(err)
	}
	if s.Ours != sec(3) || s.Baseline != sec(0.6) {
		t.Errorf("medians %v and %v, want the middle two's means 3s and 600ms", s.Ours, s.Baseline)
	}
}

func TestSummaryWithASecondBuild(t *testing.T) {
	a, b := round(3, 0.6), round(3.2, 0.6)
	a.Against, b.Against = &Run{CPU: sec(3.3)}, &Run{CPU: sec(3.5)}
	s, err := Summarise([]Round{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if s.Against != sec(3.4) || math.Abs(s.AgainstRatio-3.4/0.6) > 1e-9 {
		t.Errorf("second build %v, %.4f×", s.Against, s.AgainstRatio)
	}
	var out strings.Builder
	s.Write(&out, []Round{a, b})
	for _, want := range []string{"round 2", "second build 3.50 s", "median of 2 rounds: faas-autoscaler 3.10 s, fixed-10m 0.60 s: 5.17×", "second build: 3.40 s, 5.67× (-8.8 % against this build)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSummaryRefusesWhatItCannotReduce(t *testing.T) {
	withOther := round(3, 0.6)
	withOther.Against = &Run{CPU: sec(3)}
	// A replay that took no CPU did not replay: ours at 0 s reads a 0×
	// ratio, the flattering end, and a second build at 0 s reads as a
	// change that costs -100 %; both must be refused as the baseline is.
	idleOther := round(3, 0.6)
	idleOther.Against = &Run{}
	for name, rs := range map[string][]Round{
		"no rounds":                  nil,
		"a baseline without CPU":     {round(3, 0)},
		"ours without CPU":           {round(3, 0.6), round(0, 0.6), round(3.1, 0.6)},
		"a second build without CPU": {idleOther},
		"a second build in one run":  {round(3, 0.6), withOther},
	} {
		if _, err := Summarise(rs); err == nil {
			t.Errorf("%s: summarised", name)
		}
	}
}
