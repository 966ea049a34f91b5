package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestAGapJustOverTheBoundIsSeenWhereverItEnds: the coverage query samples
// the time since the gateway's last scrape at coverageStep steps, so a gap
// ending just before a step reads up to a step short. A gap more than a
// step (an eighth of the bound) over the bound, ending half a second before
// a step, must read uncovered; a gap well under the bound stays covered.
//
// Seen failing with the step half the bound (a mutation; the review test
// TestReview50GapOverTheBoundIsSeen failed on the quarter step shipped
// before): the 34.75 s gap (bound 30 s) read covered.
func TestAGapJustOverTheBoundIsSeenWhereverItEnds(t *testing.T) {
	const window = 10 * time.Minute
	bound := metricsource.GapBound(window, DefaultConfig().MaxScrapeGap)
	step := coverageStep(bound).Seconds()
	for _, c := range []struct {
		gap     float64 // seconds
		covered bool
	}{
		{bound.Seconds()*9/8 + 1, false}, // over the bound by more than an eighth
		{bound.Seconds() / 2, true},
	} {
		now := time.Now()
		ms := coverageStep(bound).Milliseconds()
		k := float64(now.Add(-5*time.Minute).UnixMilli()/ms*ms) / 1000
		gapEnd := k - 0.5
		gapStart := gapEnd - c.gap
		begin := float64(now.Add(-20 * time.Minute).Unix())
		p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
			fmt.Fprintln(w, "# TYPE up gauge")
			up := func(ts float64) { fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %.3f\n", ts) }
			for ts := begin; ts < gapStart; ts += 5 {
				up(ts)
			}
			up(gapStart)
			for ts := gapEnd; ts <= float64(now.Unix()); ts += 5 {
				up(ts)
			}
		}))
		src := gatewaySource(t, p, nil)
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(time.UnixMilli(int64(k*1000))) > window {
			t.Skip("the gap left the window before it was read")
		}
		if act.Covered != c.covered {
			t.Errorf("a %.2fs gap (bound %s, step %.3fs) ending 0.5s before a step: covered %v (%s), want %v", c.gap, bound, step, act.Covered, act.Uncovered, c.covered)
		}
	}
}
