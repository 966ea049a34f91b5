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

// TestStartedTotalsStartTimeJitterAndGaps: one gateway process, never
// restarted, scraped every 15 s for 40 minutes, whose start time is read a
// second later for a few minutes, then a second earlier (the Go client adds
// /proc/stat's btime, read at each scrape, which moves by whole seconds when
// the clock is stepped: prometheus/client_golang#289), and whose start time
// is missing for 7 minutes while its counter is not (its process collector
// failing, the rest of the scrape served). "busy" is called 3 times in all.
// Neither is a restart: named with each reading of its start time (or 0
// without one), the series was renamed at each change and its 1,000 calls
// counted whole each time.
func TestStartedTotalsStartTimeJitterAndGaps(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-40 * time.Minute)
	began := start.Add(-time.Hour).Unix()
	// The start time read at a scrape at ts; ok false: none.
	startAt := func(ts time.Time) (int64, bool) {
		switch d := ts.Sub(start); {
		case d >= 5*time.Minute && d < 8*time.Minute:
			return began + 1, true
		case d >= 12*time.Minute && d < 14*time.Minute:
			return began - 1, true
		case d >= 20*time.Minute && d < 27*time.Minute:
			return 0, false
		}
		return began, true
	}
	// Called at 10, 17 and 30 minutes.
	calls := []time.Duration{10 * time.Minute, 17 * time.Minute, 30 * time.Minute}
	countAt := func(ts time.Time) int {
		n := 1000
		for _, c := range calls {
			if !ts.Before(start.Add(c)) {
				n++
			}
		}
		return n
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
	var d metricsource.TotalsDiff
	busy := provider.Ref{Name: "busy", Namespace: "openfaas-fn"}
	learned := 0.0
	for at := start.Add(time.Minute); !at.After(now); at = at.Add(every) {
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
	if learned != float64(len(calls)) {
		t.Errorf("learned %g calls of busy from a gateway never restarted; want %d", learned, len(calls))
	}
}
