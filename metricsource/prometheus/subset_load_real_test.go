package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestLoadPartsForAFewAnswersAsForAll: LoadParts narrowed to the functions
// asked about (the scaler's follow-ups and signalled evaluations) reads
// each of them as the whole fleet's query does, for every built-in type
// and a custom one, and leaves the others out (what shows the query was
// narrowed). Every series is linear in time (counters) or constant
// (gauges), so the two queries, a few milliseconds apart, read alike but
// for the last bits of a rate extrapolated at another time (approxReads:
// compared exactly, 2 runs in 12 failed, a review found).
func TestLoadPartsForAFewAnswersAsForAll(t *testing.T) {
	names := []string{"fn.openfaas-fn", "fn2.openfaas-fn", "fn.team", "bare", "a.b.openfaas-fn"}
	src := subsetHistory(t, names, []string{"latency"})
	ctx := context.Background()
	refs := refsOf(t, names)
	for _, typ := range []string{metricsource.TypeRPS, metricsource.TypeCapacity, metricsource.TypeCPU, metricsource.TypeQueue, "latency"} {
		for _, window := range []time.Duration{30 * time.Second, 2 * time.Minute} {
			q := metricsource.LoadQuery{Type: typ, Window: window}
			all, allParts, err := src.LoadParts(ctx, q, nil)
			if err != nil {
				t.Fatalf("%s over %s, every function: %v", typ, window, err)
			}
			if len(all) != len(refs) {
				t.Fatalf("%s over %s: %d functions read (%v), want %d: the history is wrong", typ, window, len(all), all, len(refs))
			}
			for _, asked := range [][]provider.Ref{{refs[0]}, {refs[2]}, {refs[3]}, {refs[4], refs[1]}} {
				sub, subParts, err := src.LoadParts(ctx, q, asked)
				if err != nil {
					t.Fatalf("%s over %s for %v: %v", typ, window, asked, err)
				}
				for _, r := range refs {
					want, wantHas := all[r]
					wantPart := allParts.For(r, wantHas)
					if !containsRef(asked, r) {
						want, wantHas, wantPart = 0, false, metricsource.PartUnknown
					}
					got, has := sub[r]
					if d := cmp.Diff([]any{want, wantHas, wantPart}, []any{got, has, subParts.For(r, has)}, approxReads); d != "" {
						t.Errorf("%s over %s asked for %v: %s (-want +got):\n%s", typ, window, asked, r, d)
					}
				}
			}
		}
	}
}

// subsetHistory backfills, for each label value in names, the gateway's
// counters (linear in time), in-flight gauge and replica gauge, the
// latency histogram, a kubelet CPU counter, a queue gauge and a custom
// load (constants) under each of customTypes: every series the activity
// and load queries read.
func subsetHistory(t *testing.T, names []string, customTypes []string) *Source {
	t.Helper()
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start, end := now.Add(-20*time.Minute), now.Add(5*time.Minute)
	const gw = `instance="10.0.0.5:8082",job="gateway"`
	const kubelet = `instance="node-1",job="kubelet",metrics_path="/metrics/resource"`
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		series := func(metric, typ string, line func(i int, name string, ts time.Time, k int)) {
			fmt.Fprintf(w, "# TYPE %s %s\n", metric, typ)
			for i, name := range names {
				for k, ts := 0, start; !ts.After(end); k, ts = k+1, ts.Add(scrape) {
					line(i, name, ts, k)
				}
			}
		}
		rate := func(i int) float64 { return float64(2 + 3*i) }
		series(promql.MetricStarted, "unknown", func(i int, name string, ts time.Time, k int) {
			fmt.Fprintf(w, "%s{function_name=%q,%s} %g %d\n", promql.MetricStarted, name, gw, rate(i)*float64(k), ts.Unix())
		})
		series(metricTotal, "unknown", func(i int, name string, ts time.Time, k int) {
			fmt.Fprintf(w, "%s{code=\"200\",function_name=%q,%s} %g %d\n", metricTotal, name, gw, rate(i)*float64(k), ts.Unix())
		})
		series(promql.MetricInflight, "gauge", func(i int, name string, ts time.Time, _ int) {
			fmt.Fprintf(w, "%s{function_name=%q,%s} %d %d\n", promql.MetricInflight, name, gw, 1+i, ts.Unix())
		})
		series(metricReplicas, "gauge", func(i int, name string, ts time.Time, _ int) {
			fmt.Fprintf(w, "%s{function_name=%q,%s} 1 %d\n", metricReplicas, name, gw, ts.Unix())
		})
		series(promql.MetricSecondsSum, "unknown", func(i int, name string, ts time.Time, k int) {
			fmt.Fprintf(w, "%s{code=\"200\",function_name=%q,%s} %g %d\n", promql.MetricSecondsSum, name, gw, 0.2*rate(i)*float64(k), ts.Unix())
		})
		series(promql.MetricSecondsCount, "unknown", func(i int, name string, ts time.Time, k int) {
			fmt.Fprintf(w, "%s{code=\"200\",function_name=%q,%s} %g %d\n", promql.MetricSecondsCount, name, gw, rate(i)*float64(k), ts.Unix())
		})
		series(metricCPU, "unknown", func(i int, name string, ts time.Time, k int) {
			fmt.Fprintf(w, "%s{function_name=%q,namespace=\"openfaas-fn\",pod=\"p%d\",%s} %g %d\n", metricCPU, name, i, kubelet, 0.1*float64(1+i)*float64(k), ts.Unix())
		})
		series(metricQueue, "gauge", func(i int, name string, ts time.Time, _ int) {
			fmt.Fprintf(w, "%s{function_name=%q,queue_name=\"faas-request\"} %d %d\n", metricQueue, name, 10*(i+1), ts.Unix())
		})
		fmt.Fprintf(w, "# TYPE %s gauge\n", metricsource.CustomLoadMetric)
		for c, typ := range customTypes {
			for i, name := range names {
				for ts := start; !ts.After(end); ts = ts.Add(scrape) {
					fmt.Fprintf(w, "%s{function_name=%q,scaling_type=%q} %g %d\n", metricsource.CustomLoadMetric, name, typ, 0.5+float64(i)+float64(10*c), ts.Unix())
				}
			}
		}
		fmt.Fprintf(w, "# TYPE %s gauge\n", promql.MetricProcessStart)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "%s{%s} %d %d\n", promql.MetricProcessStart, gw, start.Add(-time.Hour).Unix(), ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for _, target := range []string{gw, kubelet} {
			for ts := start; !ts.After(end); ts = ts.Add(scrape) {
				fmt.Fprintf(w, "up{%s} 1 %d\n", target, ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
	src.scrapeInterval(context.Background())
	src.phase.done.Wait()
	return src
}

// refsOf is each function_name's function, as the readers take it.
func refsOf(t *testing.T, names []string) []provider.Ref {
	t.Helper()
	refs := make([]provider.Ref, len(names))
	for i, n := range names {
		r, err := functionRef(n, "openfaas-fn")
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = r
	}
	return refs
}
