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

// TestStartTimeJitterIsNoRestartInTheActivity: the gateway's
// process_start_time_seconds moves by a second either way between scrapes
// without any restart (the Go client adds /proc/stat's btime at each
// scrape, which a stepped clock moves: promql.StartedAgain). "quiet" was
// called 5 times long ago and never since. The activity query read any
// change of the start time within the window as a restart in place and
// counted the counter's whole value: 5 calls in a window without one, so a
// quiet function was never idled while the clock was being stepped.
//
// Seen failing before the activity query read a restart as the start time
// moving forward by more than the jitter: 5 started calls.
func TestStartTimeJitterIsNoRestartInTheActivity(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start := now.Add(-15 * time.Minute)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "%s{function_name=\"quiet.openfaas-fn\",instance=\"gateway:8082\",job=\"gateway\"} 5 %d\n", promql.MetricStarted, ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		began := start.Add(-time.Hour).Unix()
		for i, ts := 0, start; !ts.After(now); i, ts = i+1, ts.Add(scrape) {
			fmt.Fprintf(w, "process_start_time_seconds{job=\"gateway\",instance=\"gateway:8082\"} %d %d\n", began+int64(i%2), ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %d\n", ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	act, err := src.Activity(context.Background(), 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !act.Covered {
		t.Fatalf("window not covered (%s): the test's history is wrong", act.Uncovered)
	}
	quiet := provider.Ref{Name: "quiet", Namespace: "openfaas-fn"}
	if n, ok := act.Started[quiet]; !ok || n != 0 {
		t.Errorf("quiet, not called for 15 minutes, its gateway's start time jittering by a second: started %v (present %v) in the last 3m, want 0", n, ok)
	}
}
