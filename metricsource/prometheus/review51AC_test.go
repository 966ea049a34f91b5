package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview51ACCustomLoadUnderBareAndQualifiedNamesIsNotSummed: a custom
// scaling type recorded as OpenFaaS Pro's documented latency rule
// (job:function_current_load:sum{scaling_type="latency"} = rate(sum) /
// rate(count), a series per gateway instance and code). On a gateway
// without function_namespace set, calls to /function/lat and to
// /function/lat.openfaas-fn are counted under two function_name values
// (reference/openfaas.md, "How function_name is formed"), so the record
// holds one series per name, both saying 2 s: every call of the function
// takes 2 s.
//
// The source's custom query is `avg by (function_name) (...)` (queries.go,
// loadQuery's default case: "Averaged over the record's series"), which
// keeps the two names apart, and the reader then adds the two averages up
// (readers.go valueReader.add: `r.out[ref] += v`, "Two series naming the
// same function (bare and qualified names) add up"). Adding is right for
// the sums (rps, cpu), not for a load the source defines as an average:
// the function's latency reads 4 s, twice what any of its series says, and
// the scaler asks for twice the replicas. Expected: 2 (the average over the
// function's series, whichever name they carry), asked for every function
// or for this one alone.
func TestReview51ACCustomLoadUnderBareAndQualifiedNamesIsNotSummed(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start, end := now.Add(-20*time.Minute), now.Add(5*time.Minute)
	const custom = metricsource.CustomLoadMetric
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s gauge\n", custom)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			for _, name := range []string{"lat", "lat.openfaas-fn"} {
				fmt.Fprintf(w, "%s{code=\"200\",function_name=%q,instance=\"10.0.0.5:8082\",job=\"gateway\",scaling_type=\"latency\"} 2 %d\n", custom, name, ts.Unix())
			}
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	ctx := context.Background()
	lat := provider.Ref{Name: "lat", Namespace: "openfaas-fn"}
	for _, w := range []time.Duration{10 * time.Second, time.Minute} {
		q := metricsource.LoadQuery{Type: "latency", Window: w}
		v, err := src.Load(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := v[lat]; !ok || got != 2 {
			t.Errorf("Load latency over %s = %v (present %v) with every series of the function at 2 s (one labelled lat, one lat.openfaas-fn); want 2", w, got, ok)
		}
		for _, refs := range [][]provider.Ref{nil, {lat}} {
			v, _, err := src.LoadParts(ctx, q, refs)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := v[lat]; !ok || got != 2 {
				t.Errorf("LoadParts latency over %s (refs %v) = %v (present %v); want 2", w, refs, got, ok)
			}
		}
	}
}
