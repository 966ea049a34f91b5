package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview49fRestartWhileStartTimeMissingCountsOnce: a gateway
// (10.0.0.5:8082, scraped every 15 s) is restarted in place; the new
// process's start time is missing for its first 7 minutes (its process
// collector failing, the rest of the scrape served: the case startEpochs
// keeps the start time held for) and then read. "busy" had one call on the
// old process and three right after the restart: its counter reads 1, then
// 3. The feeder's reads (StartedTotals, TotalsDiff, every 15 s) count the
// rise 1 → 3 under the old process's name (2 calls), then, when the new
// start time is read, rename the series and count its 3 whole again: 5
// calls learned of 3. The rebuild over the same history reads a value
// whose start time is not known as no restart (keepalive seriesCounts,
// restartCases "unknown": never a call counted twice) and learns 2.
func TestReview49fRestartWhileStartTimeMissingCountsOnce(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-40 * time.Minute)
	restart := start.Add(10 * time.Minute)
	oldBegan, newBegan := start.Add(-time.Hour).Unix(), restart.Add(-time.Second).Unix()
	startAt := func(ts time.Time) (int64, bool) {
		switch d := ts.Sub(restart); {
		case d < 0:
			return oldBegan, true
		case d < 7*time.Minute:
			return 0, false
		}
		return newBegan, true
	}
	countAt := func(ts time.Time) int {
		if ts.Before(restart) {
			return 1
		}
		return 3
	}
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			fmt.Fprintf(w, "%s{function_name=\"busy.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", promql.MetricStarted, countAt(ts), ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if v, ok := startAt(ts); ok {
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", v, ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
	learned := learnedCalls(t, src, &metricsource.TotalsDiff{}, start.Add(time.Minute), now, every)
	if learned > 3 {
		t.Errorf("learned %g calls of busy; 3 were made after the first read (the restart's count was counted twice)", learned)
	}
}

// TestReview49fGatewayBackAfterAnHourKeepsItsSeries: a gateway alive but
// not scraped for 70 minutes (a NetworkPolicy, a relabelling) comes back
// with its counters where they were; its process start time is read a
// second later than before (the Go client adds /proc/stat's btime, which
// moves when the clock is stepped: the jitter StartedAgain tolerates).
// TotalsDiff keeps a series missing for up to keep_alive's
// keepMissingSeries (a day) so that such a gateway's counters are not
// counted whole; but startEpochs forgets the instance after
// forgetEpochReads (240) reads, an hour at the 15 s learn step (four
// minutes at 1 s), and names it afresh with the jittered start time: every
// series of that gateway gets a new key and counts its whole history as
// calls of one step. "busy" was not called at all.
func TestReview49fGatewayBackAfterAnHourKeepsItsSeries(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-100 * time.Minute)
	gone, back := start.Add(10*time.Minute), start.Add(80*time.Minute)
	began := start.Add(-time.Hour).Unix()
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		scraped := func(ts time.Time) bool { return ts.Before(gone) || !ts.Before(back) }
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if scraped(ts) {
				fmt.Fprintf(w, "%s{function_name=\"busy.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} 1000 %d\n", promql.MetricStarted, ts.Unix())
			}
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if scraped(ts) {
				v := began
				if !ts.Before(back) {
					v = began + 1
				}
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", v, ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
	// As the feeder sets it at a 15 s step (keepalive/feed_totals.go).
	d := metricsource.TotalsDiff{Forget: 240, KeepMissing: 24 * 240, Late: 4}
	learned := learnedCalls(t, src, &d, start.Add(time.Minute), now, every)
	if learned != 0 {
		t.Errorf("learned %g calls of busy, never called (its gateway unscraped for 70m, its start time read 1 s later when back); want 0", learned)
	}
}

// learnedCalls reads src's started totals every step from from to to, as
// the keep-alive feeder does, through d, and returns the calls counted for
// busy.openfaas-fn.
func learnedCalls(t *testing.T, src *Source, d *metricsource.TotalsDiff, from, to time.Time, every time.Duration) float64 {
	t.Helper()
	busy := provider.Ref{Name: "busy", Namespace: "openfaas-fn"}
	learned := 0.0
	for at := from; !at.After(to); at = at.Add(every) {
		tot, err := src.StartedTotals(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Add(tot, at, nil) {
			if c.Ref == busy {
				learned += c.N
			}
		}
	}
	return learned
}
