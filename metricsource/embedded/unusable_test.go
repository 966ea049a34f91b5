package embedded

import (
	"context"
	"math"
	"testing"
	"time"
)

// TestAnUnusableCounterValueThenGoneIsANewIncarnation: a counter whose
// value was no count (NaN) in one scrape steps from its last usable value
// when it comes back (TestReview50ANaNCounterValueIsNotARestart); one that
// then left the page altogether (a gateway restarting) counts in full when
// it comes back, as any series gone and back does.
//
// Seen failing with markAbsent leaving the unusable mark in place: started
// = 7 over the window, want 1007.
func TestAnUnusableCounterValueThenGoneIsANewIncarnation(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	for i := range 30 {
		var smp []Sample
		switch {
		case i < 22:
			smp = []Sample{{Metric: MetricStarted, FunctionName: "a", Value: 1000}}
		case i == 22:
			smp = []Sample{{Metric: MetricStarted, FunctionName: "a", Value: math.NaN()}}
		case i == 23:
			// gone from the page: the gateway restarting
		default:
			smp = []Sample{{Metric: MetricStarted, FunctionName: "a", Value: 1007}}
		}
		smp = append(smp, Sample{Metric: MetricStarted, FunctionName: "other", Value: 1})
		src.Observe(t0.Add(time.Duration(i)*time.Second), smp)
	}
	clk.t = t0.Add(29*time.Second + 500*time.Millisecond)
	act, err := src.Activity(context.Background(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := act.Started[fnRef("a")]; got != 1007 {
		t.Errorf("started over 10s of a counter NaN, then gone, then back at 1007 = %v; want 1007 (a new incarnation: every call counts)", got)
	}
}
