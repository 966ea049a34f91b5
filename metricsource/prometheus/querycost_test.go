package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// BenchmarkCapacityQuery measures what the capacity query costs a real
// Prometheus (Debian's) holding FAAS_QUERY_FUNCTIONS functions (default
// 2,000) with 15 minutes of gateway series at a FAAS_QUERY_SCRAPE interval
// (default 5s), backfilled with promtool: the in-flight gauge, the started
// counter, the invocation counter (two codes) and the duration histogram's
// sum and count. One sub-benchmark per expression: "gauge" is the in-flight
// peak alone over the scaler's 60 s stable window (the query before the
// arrivals part), "capacity" what the source sends now for that window
// (stepped at the scrape interval), "capacity-step-window/60" what it sends
// while it does not know the interval,
// "record" the generated capacity record's expression for that scrape
// interval (evaluated by Prometheus at every rule evaluation),
// "capacity-parts-for-2" what a follow-up sends for two functions scaling
// up (narrowExpr). ns/op is
// one query's wall time as the client sees it. It takes minutes to set up,
// so it runs only with FAAS_QUERY_BENCH=1.
func BenchmarkCapacityQuery(b *testing.B) {
	n, scrape := queryBenchSize(b, 5*time.Second)
	p, now := backfilledPrometheus(b, n, scrape)
	window := time.Minute
	full, err := loadQuery(metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window}, DefaultMaxScrapeGap, scrape, "")
	if err != nil {
		b.Fatal(err)
	}
	// What LoadParts sends (the scaler's call): the same without the last
	// max, a series per function and part.
	parts, err := capacityPartsQuery(window, DefaultMaxScrapeGap, scrape)
	if err != nil {
		b.Fatal(err)
	}
	// What the source sends while it does not know the interval (and sent
	// before it read it): the step at window/60.
	unknown, err := loadQuery(metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window}, DefaultMaxScrapeGap, 0, "")
	if err != nil {
		b.Fatal(err)
	}
	gauge := fmt.Sprintf(`max_over_time((sum by (function_name) (%s))[1m:1s])`, promql.MetricInflight)
	o := rules.ForScrapeInterval(scrape)
	// The generated capacity record reads the mean the slow group records
	// (backfilled too); "record-inline" computes it in place, as the
	// controller's query does.
	record := promql.CapacityPeak(o.Window, o.ScrapeInterval, o.Window, o.ScrapeInterval, rules.MeanDurationRecord)
	inline := promql.CapacityPeak(o.Window, o.ScrapeInterval, o.Window, o.ScrapeInterval, "")
	// What a follow-up sends for two functions scaling up (LoadParts
	// narrowed, subset.go).
	two := narrowExpr(parts, narrowTo([]provider.Ref{{Name: "fn00001", Namespace: "openfaas-fn"}, {Name: fmt.Sprintf("fn%05d", n/2), Namespace: "openfaas-fn"}}, "openfaas-fn"))
	for _, c := range []struct {
		name, expr string
		series     int // the answer's series: a function's times the functions
	}{{"gauge", gauge, n}, {"capacity", full, n}, {"capacity-parts", parts, 2 * n}, {"capacity-parts-for-2", two, 4},
		{"capacity-step-window/60", unknown, n}, {"record", record, n}, {"record-inline", inline, n}} {
		b.Run(c.name, func(b *testing.B) {
			at := now.Add(-time.Second)
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				v, _, _, err := p.API().Query(ctx, c.expr, at)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				if vec, ok := v.(model.Vector); !ok || len(vec) != c.series {
					b.Fatalf("%d series in the answer, want %d", len(vec), c.series)
				}
			}
		})
	}
}

// queryBenchSize skips b unless FAAS_QUERY_BENCH=1, and returns the
// functions (FAAS_QUERY_FUNCTIONS, default 2,000) and scrape interval
// (FAAS_QUERY_SCRAPE, default scrape) to backfill.
func queryBenchSize(b *testing.B, scrape time.Duration) (int, time.Duration) {
	if os.Getenv("FAAS_QUERY_BENCH") != "1" {
		b.Skip("set FAAS_QUERY_BENCH=1 (backfills minutes of series into a real Prometheus)")
	}
	n := 2000
	if v := os.Getenv("FAAS_QUERY_FUNCTIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("FAAS_QUERY_FUNCTIONS=%q: want a positive integer", v)
		}
	}
	if v := os.Getenv("FAAS_QUERY_SCRAPE"); v != "" {
		var err error
		if scrape, err = time.ParseDuration(v); err != nil || scrape < time.Second {
			b.Fatalf("FAAS_QUERY_SCRAPE=%q: want a duration of at least 1s", v)
		}
	}
	return n, scrape
}

// backfilledPrometheus starts Debian's Prometheus holding the 15 minutes up
// to now (truncated to the scrape interval) of n functions' gateway series
// scraped every scrape (writeGatewayHistory), backfilled with promtool.
// The history ends within one scrape of the wall clock because the source
// reads the interval from the last minute of up (lastScrapesQuery) at the
// real time: ended at the minute, it left one sample or none in that
// minute once more than 55 s had passed since, and the interval read 0
// (CI, about one run in ten).
func backfilledPrometheus(tb testing.TB, n int, scrape time.Duration) (*teststack.Prom, time.Time) {
	tb.Helper()
	now := time.Now().Truncate(scrape)
	p := startBackfilled(tb, func(path string) error {
		return writeGatewayHistory(path, n, now.Add(-15*time.Minute), now, scrape)
	})
	return p, now
}

// startBackfilled starts Debian's Prometheus (with args) holding the
// OpenMetrics history write writes to the file it is given, backfilled
// with promtool.
func startBackfilled(tb testing.TB, write func(path string) error, args ...string) *teststack.Prom {
	tb.Helper()
	promtool := teststack.NeedBinary(tb, "promtool")
	p := teststack.Prometheus(tb, teststack.PromOptions{ExtraArgs: args})
	if err := p.Stop(); err != nil {
		tb.Fatal(err)
	}
	in := filepath.Join(tb.TempDir(), "gateway.om")
	if err := write(in); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(p.DataDir(), "data")).CombinedOutput()
	// The text is read once per block and is gigabytes at 10,000
	// functions (BenchmarkActivityWindows): gone before the timed calls.
	os.Remove(in)
	if err != nil {
		tb.Fatalf("promtool: %v\n%s", err, out)
	}
	if err := p.Start(); err != nil {
		tb.Fatalf("restart: %v\n%s", err, p.Logs())
	}
	return p
}

// writeGatewayHistory writes n functions' gateway series from start to end
// every scrape in OpenMetrics, for promtool's backfill. Loads differ by
// function so that no two series are alike.
func writeGatewayHistory(path string, n int, start, end time.Time, scrape time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	type family struct{ name, typ string }
	for _, fam := range []family{
		{promql.MetricInflight, "gauge"}, {promql.MetricStarted, "unknown"}, {metricTotal, "unknown"},
		{promql.MetricSecondsSum, "unknown"}, {promql.MetricSecondsCount, "unknown"},
	} {
		fmt.Fprintf(w, "# TYPE %s %s\n", fam.name, fam.typ)
		for i := range n {
			fn := fmt.Sprintf("fn%05d.openfaas-fn", i)
			var count float64
			for k, ts := 0, start; !ts.After(end); k, ts = k+1, ts.Add(scrape) {
				calls := float64((i+k)%7) * float64(1+i%3) // per scrape
				count += calls
				switch fam.name {
				case promql.MetricInflight:
					fmt.Fprintf(w, "%s{function_name=%q} %d %d\n", fam.name, fn, (i+k)%4, ts.Unix())
				case promql.MetricStarted:
					fmt.Fprintf(w, "%s{function_name=%q} %g %d\n", fam.name, fn, count, ts.Unix())
				case metricTotal:
					fmt.Fprintf(w, "%s{code=\"200\",function_name=%q} %g %d\n", fam.name, fn, count-float64(k/10), ts.Unix())
					fmt.Fprintf(w, "%s{code=\"500\",function_name=%q} %d %d\n", fam.name, fn, k/10, ts.Unix())
				case promql.MetricSecondsSum:
					fmt.Fprintf(w, "%s{code=\"200\",function_name=%q} %g %d\n", fam.name, fn, count*0.05, ts.Unix())
				case promql.MetricSecondsCount:
					fmt.Fprintf(w, "%s{code=\"200\",function_name=%q} %g %d\n", fam.name, fn, count, ts.Unix())
				}
			}
		}
	}
	// The gateway target's up series, which the source reads the scrape
	// interval from.
	fmt.Fprintln(w, "# TYPE up gauge")
	for ts := start; !ts.After(end); ts = ts.Add(scrape) {
		fmt.Fprintf(w, "up{job=\"gateway\",instance=\"gateway:8082\"} 1 %d\n", ts.Unix())
	}
	// The slow group's mean record, every 15 s: the functions' 0.05 s.
	fmt.Fprintf(w, "# TYPE %s gauge\n", rules.MeanDurationRecord)
	for i := range n {
		for ts := start; !ts.After(end); ts = ts.Add(rules.SlowEvaluationInterval) {
			fmt.Fprintf(w, "%s{function_name=\"fn%05d.openfaas-fn\"} 0.05 %d\n", rules.MeanDurationRecord, i, ts.Unix())
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
