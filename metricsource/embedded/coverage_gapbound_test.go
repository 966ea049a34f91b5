package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestShortWindowCoverageFollowsGapBound: metricsource.GapBound is the
// longest time without a fresh observation that still counts as
// continuous observation over a window: the source's maxGap, but never
// more than a third of the window (issue 15, item 2), and the Prometheus
// source reads coverage by it (which is why it also reports a
// ShortestCoveredWindow the idler raises short keep-alives to). The
// embedded source bounded every window by 2.5×Interval alone and reported
// no shortest covered window, so the idler queried a 10 s zero-duration as
// it was. At the 5 s interval the source runs with under --functions-file, one
// missed scrape leaves the last observation 9 s old: 90% of a 10 s window
// unseen, yet the answer was "covered, 0 started" for a function called
// after that scrape, and the idler scaled it to zero. The Prometheus
// source answers "not covered" (a 9 s gap > 3.33 s bound) for the same
// scrapes, and now so does this one. Found by a review helper.
func TestShortWindowCoverageFollowsGapBound(t *testing.T) {
	clk := &gapClock{t: time.Unix(1_700_000_000, 0)}
	cfg := DefaultConfig() // Interval 5s: maxGap 12.5s
	cfg.Clock = clk
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.t
	// Scrapes every 5 s up to 30 s; the function is called once at 31 s;
	// the scrape at 35 s fails.
	for sec := 0; sec <= 30; sec += 5 {
		clk.t = t0.Add(time.Duration(sec) * time.Second)
		src.Observe(clk.t, []Sample{{Metric: MetricStarted, FunctionName: "f", Value: 1}})
	}
	clk.t = t0.Add(39 * time.Second)
	const w = 10 * time.Second
	act, err := src.Activity(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	bound := metricsource.GapBound(w, cfg.Interval*5/2)
	if got, want := src.ShortestCoveredWindow(), 3*(cfg.Interval+cfg.Interval/4); got != want {
		t.Errorf("ShortestCoveredWindow = %s, want %s (three intervals and a quarter, as the Prometheus source's)", got, want)
	}
	if act.Covered {
		t.Fatalf("last successful scrape 9s ago, %s window: Covered=true with Started[f]=%v (a call at 31s unseen); "+
			"want not covered, the gap is over GapBound(%s, %s) = %s",
			w, act.Started[provider.Ref{Name: "f", Namespace: "openfaas-fn"}], w, cfg.Interval*5/2, bound)
	}
	if f := metricsource.ShortestCoveredWindow(src); f == 0 {
		t.Errorf("ShortestCoveredWindow = 0: the idler queries windows the source's coverage cannot vouch for")
	}
}

// gapClock is a settable clock.
type gapClock struct{ t time.Time }

func (c *gapClock) Now() time.Time                         { return c.t }
func (c *gapClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }
