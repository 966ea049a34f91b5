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
// ending just before a step reads up to a step short. A gap one second over
// the bound, ending half a second before a step, must still read
// uncovered; a gap well under the bound stays covered.
//
// Seen failing with uncovered comparing the age with the bound itself (the
// finer step alone): the 31 s gap read covered.
func TestAGapJustOverTheBoundIsSeenWhereverItEnds(t *testing.T) {
	const window = 10 * time.Minute
	bound := metricsource.GapBound(window, DefaultConfig().MaxScrapeGap)
	step := int64(coverageStep(bound) / time.Second)
	for _, c := range []struct {
		gap     float64 // seconds
		covered bool
	}{
		{bound.Seconds() + 1, false},
		{bound.Seconds() / 2, true},
	} {
		now := time.Now()
		k := (now.Add(-5*time.Minute).Unix() / step) * step
		gapEnd := float64(k) - 0.5
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
		if time.Since(time.Unix(k, 0)) > window {
			t.Skip("the gap left the window before it was read")
		}
		if act.Covered != c.covered {
			t.Errorf("a %.0fs gap (bound %s, step %ds) ending 0.5s before a step: covered %v (%s), want %v", c.gap, bound, step, act.Covered, act.Uncovered, c.covered)
		}
	}
}
