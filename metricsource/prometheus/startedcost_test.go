package prometheus

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// BenchmarkStartedQuery measures what the keep-alive feeder's read costs a
// real Prometheus (Debian's) holding FAAS_QUERY_FUNCTIONS functions
// (default 2,000) scraped every FAAS_QUERY_SCRAPE (default 15s), as
// BenchmarkCapacityQuery sets it up: "increase" is startedQuery over the
// feeder's default 15 s step (what StartedCounts sends), "totals" the
// counters read as they stand, "totals+starts" the same with the gateways'
// start times in one query (what StartedTotals sends, once a step).
// ns/op is one query's wall time as the client sees it. It runs only with
// FAAS_QUERY_BENCH=1.
func BenchmarkStartedQuery(b *testing.B) {
	n, scrape := queryBenchSize(b, 15*time.Second)
	p, now := backfilledPrometheus(b, n, scrape)
	increase, err := startedQuery(15*time.Second, DefaultConfig().CoverageSelector, DefaultNamespace)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, expr string }{{"increase", increase}, {"totals", startedTotalsQuery(DefaultNamespace)},
		{"totals+starts", totalsAndStartsQuery(DefaultNamespace)}} { // what StartedTotals sends since session 35
		b.Run(c.name, func(b *testing.B) {
			at := now.Add(-time.Second)
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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
