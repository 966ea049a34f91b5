package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCallThroughARestartedGatewayIsActivity: the gateway creates a
// function's counters at its first call and a restarted gateway counts
// from 0 again, so a rare function called once before a gateway restart
// (a rolling update) and once since shows 1, a gap, then 1 again. The
// activity query's difference from the window's start read 0, and so did
// increase(), which joins the two sides of the gap: "no call in the
// window", and the idler scaled to zero a function called a minute
// before. A series that was missing from scrapes of its gateway within
// the window and is back counts its value now, as the embedded source
// counts a counter back after an absence.
func TestCallThroughARestartedGatewayIsActivity(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start := now.Add(-15 * time.Minute)
	restarted, calledAgain := now.Add(-2*time.Minute), now.Add(-60*time.Second)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			// again: called once long ago; its series gone with the old
			// gateway process; back at its first call through the new one.
			if ts.Before(restarted) || !ts.Before(calledAgain) {
				fmt.Fprintf(w, "%s{function_name=\"again.openfaas-fn\",instance=\"gateway:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
			}
			// quiet: called once long ago, never since, on a gateway that
			// was not restarted.
			fmt.Fprintf(w, "%s{function_name=\"quiet.openfaas-fn\",instance=\"gateway-b:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(now); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %d\n", ts.Unix())
			fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway-b:8082\"} 1 %d\n", ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	act, err := src.Activity(context.Background(), 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	again := provider.Ref{Name: "again", Namespace: "openfaas-fn"}
	quiet := provider.Ref{Name: "quiet", Namespace: "openfaas-fn"}
	if n, ok := act.Started[again]; !ok || n < 1 {
		t.Errorf("again, called 60s ago through a restarted gateway: started %v (present %v) in the last 3m, want at least 1", n, ok)
	}
	if n := act.Started[quiet]; n != 0 {
		t.Errorf("quiet, not called for 15m: started %v in the last 3m, want 0", n)
	}
}

// openMetrics is a startBackfilled writer: the OpenMetrics text write puts
// in the file, then "# EOF".
func openMetrics(write func(w *bufio.Writer)) func(path string) error {
	return func(path string) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		write(w)
		fmt.Fprintln(w, "# EOF")
		return w.Flush()
	}
}
