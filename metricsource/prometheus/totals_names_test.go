package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestStartedTotalsReadBareStartedAndQualifiedTotalOnce: a gateway without
// function_namespace counts one function's calls under two names, and
// gw-a, a replica with the started counter, counted h's under the bare name
// there while its invocation counter has them under the qualified one (the
// activity query's case, TestStartedFallbackPerGateway). The keep-alive
// feeder's read must fall back to the invocation counter per qualified
// name, as the activity query does: gw-a has the started counter for h, so
// its invocation counter is not read for h under either name; gw-b, an
// older replica without it, still counts its calls by its invocation
// counter. Each series keeps its name (Series) from read to read, so
// TotalsDiff counts only the rises.
func TestStartedTotalsReadBareStartedAndQualifiedTotalOnce(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-10 * time.Minute)
	// A call through each replica every minute, gw-b's 30 s after gw-a's.
	count := func(ts time.Time, phase time.Duration) int { return int(ts.Sub(start.Add(phase))/time.Minute) + 1 }
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			fmt.Fprintf(w, "%s{function_name=\"h\",instance=\"gw-a\",job=\"gateway\"} %d %d\n", promql.MetricStarted, count(ts, 0), ts.Unix())
		}
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricInvocationTotal)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			fmt.Fprintf(w, "%s{code=\"200\",function_name=\"h.openfaas-fn\",instance=\"gw-a\",job=\"gateway\"} %d %d\n", promql.MetricInvocationTotal, count(ts, 0), ts.Unix())
			fmt.Fprintf(w, "%s{code=\"200\",function_name=\"h\",instance=\"gw-b\",job=\"gateway\"} %d %d\n", promql.MetricInvocationTotal, count(ts, 30*time.Second), ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	h := provider.Ref{Name: "h", Namespace: "openfaas-fn"}
	var d metricsource.TotalsDiff
	var series []uint64 // the first read's names
	learned := 0.0
	from, to := now.Add(-6*time.Minute), now.Add(-time.Minute)
	for at := from; !at.After(to); at = at.Add(every) {
		tot, err := src.StartedTotals(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []uint64
		for _, c := range tot {
			names = append(names, c.Series)
		}
		slices.Sort(names)
		if series == nil {
			series = names
		} else if !slices.Equal(names, series) {
			t.Errorf("read at %s named its series %v, the first read %v: want the same names", at.Format(time.TimeOnly), names, series)
		}
		for _, c := range d.Add(tot, at, nil) {
			if c.Ref == h {
				learned += c.N
			}
		}
	}
	// From the base read to the last, the calls through both replicas.
	want := float64(count(to, 0) - count(from, 0) + count(to, 30*time.Second) - count(from, 30*time.Second))
	if learned != want || len(series) != 2 {
		t.Errorf("learned %g calls of h from %d series, want %g from 2 (gw-a's started counter, gw-b's invocation counter; gw-a's invocation counter under the qualified name counts gw-a's calls again)",
			learned, len(series), want)
	}
}
