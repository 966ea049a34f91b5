package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"
)

// TestReview50GapOverTheBoundIsSeen: the gateway (scraped every 5 s) is not
// scraped for 36 s in the middle of a 10-minute window, at the default
// max scrape gap of 30 s (the bound, GapBound). The coverage query reads
// the age since the last scrape at subquery steps of a quarter of the
// bound (7 s), aligned to the epoch, and compares the largest with the
// bound; a gap ending just before a step is read at the step before, 6.5 s
// short of its length, so gaps of up to the bound plus a step (37 s) pass
// as covered. coverageQuery's doc says the quarter step is there "so gaps
// just over it are seen"; this one, 20 % over, is not.
func TestReview50GapOverTheBoundIsSeen(t *testing.T) {
	const every = 5 * time.Second
	const step = 7 // seconds: GapBound(10m, 30s)/4
	now := time.Now()
	// A step time about 5 minutes ago; the gap ends half a second before it.
	k := (now.Add(-5*time.Minute).Unix() / step) * step
	gapEnd := float64(k) - 0.5
	gapStart := gapEnd - 36
	begin := float64(now.Add(-20 * time.Minute).Unix())
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := begin; ts <= float64(now.Unix()); ts += every.Seconds() {
			switch {
			case ts < gapStart && ts+every.Seconds() > gapStart:
				fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %.3f\n", gapStart)
				ts = gapEnd - every.Seconds()
				continue
			case ts > gapStart && ts < gapEnd:
				continue
			}
			fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %.3f\n", ts)
		}
	}))
	src := gatewaySource(t, p, nil) // MaxScrapeGap 30 s
	act, err := src.Activity(context.Background(), 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(time.Unix(k, 0)) > 10*time.Minute {
		t.Skip("the gap left the window before it was read")
	}
	if act.Covered {
		t.Errorf("10m window covered with a 36s gap without a scrape of the gateway (bound 30s); want not covered")
	}
}
