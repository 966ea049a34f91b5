package prometheus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// BenchmarkRPSFreshRecord measures what the rules' rps irate record
// (function_name:gateway_function_invocation_total:irate20s, evaluated at
// every rule evaluation: 1 s at a 5 s scrape) costs a real Prometheus
// (Debian's) holding FAAS_QUERY_FUNCTIONS functions (default 2,000; two
// code series each) scraped every FAAS_QUERY_SCRAPE (default 5s): "irate"
// is the record before session 46, "fresh" the record with a new series'
// first value (promql.FreshRate). The backfilled series carry no instance
// label, so FreshRate's per-target check matches none: the figure is its
// cost, not a count of new series. It runs only with FAAS_QUERY_BENCH=1.
func BenchmarkRPSFreshRecord(b *testing.B) {
	n, scrape := queryBenchSize(b, 5*time.Second)
	p, now := backfilledPrometheus(b, n, scrape)
	window := 4 * scrape
	old := promql.SumOverGateways(fmt.Sprintf("irate(%[1]s[%[2]s]) and %[1]s", metricTotal, model.Duration(window)), true)
	fresh := promql.SumOverGateways(promql.FreshRate(metricTotal, window, scrape, "function_name, code"), true)
	for _, c := range []struct{ name, expr string }{{"irate", old}, {"fresh", fresh}} {
		b.Run(c.name, func(b *testing.B) {
			at := now.Add(-time.Second)
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				v, _, _, err := p.API().Query(ctx, c.expr, at)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				if vec, ok := v.(model.Vector); !ok || len(vec) < n {
					b.Fatalf("%d series in the answer, want %d", len(vec), n)
				}
			}
		})
	}
}
