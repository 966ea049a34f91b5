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

// TestQuietFunctionOnAGatewayScrapedByTwoJobsAtTwoIntervals: the
// gateway is scraped by the chart's pod-annotation job every 5 s and by a
// ServiceMonitor at its 30 s default (the case duplicates.go and
// readLastScrape name), both matching the default coverage selector.
// "quiet" was called 7 times long ago and never since. Over a 30 s
// window, well covered by the 5 s job, it must read 0 started calls.
//
// The 30 s job's copy of the counter has one sample in the window, so
// increase() is empty for it, and startedQuery's fallback for a series
// with no sample at the window's start (max_over_time, meant for a
// counter created within the window) answers instead: the counter's
// whole value, 7. OncePerGateway keeps the larger copy, so every function
// the gateway has ever counted reads as called within the window, and no
// function with a keep-alive under a minute is ever scaled to zero.
// Found by a review helper.
func TestQuietFunctionOnAGatewayScrapedByTwoJobsAtTwoIntervals(t *testing.T) {
	now := time.Now().Truncate(30 * time.Second)
	start := now.Add(-15 * time.Minute)
	end := now.Add(5 * time.Minute) // past the queries' time, which Prometheus takes as its now
	jobs := []struct {
		name  string
		every time.Duration
	}{{"openfaas-pods", 5 * time.Second}, {"gateway", 30 * time.Second}}
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for _, j := range jobs {
			for ts := start; !ts.After(end); ts = ts.Add(j.every) {
				fmt.Fprintf(w, "%s{function_name=\"quiet.openfaas-fn\",instance=\"10.0.0.5:8082\",job=%q} 7 %d\n", promql.MetricStarted, j.name, ts.Unix())
			}
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for _, j := range jobs {
			for ts := start; !ts.After(end); ts = ts.Add(j.every) {
				fmt.Fprintf(w, "up{instance=\"10.0.0.5:8082\",job=%q} 1 %d\n", j.name, ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, func(c *Config) { c.CoverageSelector = DefaultCoverageSelector })
	act, err := src.Activity(context.Background(), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !act.Covered {
		t.Fatalf("window not covered (%s): the test's history is wrong", act.Uncovered)
	}
	quiet := provider.Ref{Name: "quiet", Namespace: "openfaas-fn"}
	if n, ok := act.Started[quiet]; !ok || n != 0 {
		t.Errorf("quiet, not called for 15m, gateway scraped every 5s (and every 30s by a second job): started %v (present %v) in the last 30s, want 0", n, ok)
	}
}
