package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCallThroughAGatewayRestartedBetweenScrapes: the gateway
// (one instance, gateway:8082, scraped every 5 s) is restarted in place
// (a container restart keeps the pod's address) between two scrapes, 2
// minutes ago: its process_start_time_seconds moves, every scrape
// succeeds. "again" had been called once long before (started counter 1);
// the restarted gateway counts from 0, and "again" is called once right
// after the restart, before the next scrape, so its counter reads 1 at
// every scrape of the window: 1, 1, ..., 1. One call was started within
// the last 3 minutes, yet the activity reads 0 started calls on a covered
// window, and the idler scales to zero a function called 2 minutes ago.
// The restart is in Prometheus (process_start_time_seconds of the gateway
// target changed within the window), so the counter's value now counts,
// as for a series back after a gap.
// Found by a review helper.
func TestCallThroughAGatewayRestartedBetweenScrapes(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start := now.Add(-15 * time.Minute)
	restarted := now.Add(-2 * time.Minute)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "%s{function_name=\"again.openfaas-fn\",instance=\"gateway:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			began := start.Add(-time.Hour)
			if !ts.Before(restarted) {
				began = restarted.Add(-2 * time.Second)
			}
			fmt.Fprintf(w, "process_start_time_seconds{job=\"gateway\",instance=\"gateway:8082\"} %d %d\n", began.Unix(), ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %d\n", ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	// Queried at Prometheus' now, a moment after the last backfilled
	// scrape: a 3m window holds the restart and the call.
	act, err := src.Activity(context.Background(), 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	again := provider.Ref{Name: "again", Namespace: "openfaas-fn"}
	if !act.Covered {
		t.Fatalf("window not covered (%s): the test's history is wrong", act.Uncovered)
	}
	if n, ok := act.Started[again]; !ok || n < 1 {
		t.Errorf("again, called once right after its gateway restarted 2m ago: started %v (present %v) in the last 3m on a covered window, want at least 1", n, ok)
	}
}
