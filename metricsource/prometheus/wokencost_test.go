package prometheus

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// BenchmarkWokenQuery measures what the idler's woken read costs a real
// Prometheus (Debian's) holding FAAS_QUERY_FUNCTIONS functions (default
// 2,000) whose gateway_service_count is backfilled every FAAS_QUERY_SCRAPE
// (default 5s) over the 4 hours (and 5 minutes) up to now
// (writeReplicaHistory): "old" is the query before cf2dec1
// (oldWokenQuery), "both" cf2dec1's, which read the count at each step and
// the raw samples in the step before it (bothWokenQuery: about twice the
// old one's cost), "new" wokenQuery (the raw samples only), each at the default keep-alive's
// activity window (15m, 15 s steps) and at a long auto keep-alive's (4h,
// 4 m steps). ns/op is one query's wall time as the client sees it;
// series/op is the answer's size and peak-samples/op Prometheus' own
// peakSamples, from one more query asked with stats=all (not timed; its
// totalQueryableSamples is left out: it does not count what a subquery's
// inner evaluation reads, prometheus/prometheus#16638). It runs only with
// FAAS_QUERY_BENCH=1; -v shows the write and backfill times.
func BenchmarkWokenQuery(b *testing.B) {
	n, scrape := queryBenchSize(b, 5*time.Second)
	now := time.Now().Truncate(scrape)
	began := time.Now()
	var wrote time.Duration
	p := startBackfilled(b, func(path string) error {
		defer func() { wrote = time.Since(began) }()
		return writeReplicaHistory(path, n, now.Add(-4*time.Hour-5*time.Minute), now, scrape)
	})
	b.Logf("%d functions every %s over 4h5m: written in %s, backfilled and restarted in %s",
		n, scrape, wrote.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	at := now.Add(-time.Second)
	for _, window := range []time.Duration{15 * time.Minute, 4 * time.Hour} {
		newExpr, _, err := wokenQuery(window, scrape)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct{ name, expr string }{{"old", oldWokenQuery(window)}, {"both", bothWokenQuery(window)}, {"new", newExpr}} {
			b.Run(c.name+"/"+model.Duration(window).String(), func(b *testing.B) {
				peak, serr := queryPeakSamples(p.URL(), c.expr, at)
				if serr != nil {
					b.Logf("stats: %v", serr)
				}
				var series int
				for b.Loop() {
					ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
					v, _, _, err := p.API().Query(ctx, c.expr, at)
					cancel()
					if err != nil {
						b.Fatal(err)
					}
					vec, ok := v.(model.Vector)
					if !ok || len(vec) == 0 {
						b.Fatalf("answer %v: want the functions that woke", v)
					}
					series = len(vec)
				}
				b.ReportMetric(float64(series), "series/op")
				if serr == nil {
					b.ReportMetric(peak, "peak-samples/op")
				}
			})
		}
	}
}

// oldWokenQuery is wokenQuery before cf2dec1, kept for this comparison:
// the last step of the window at which the count in effect was 0, read at
// the steps alone.
func oldWokenQuery(window time.Duration) string {
	count := fmt.Sprintf(`sum by (function_name) (%s)`, metricReplicas)
	return fmt.Sprintf(`max_over_time((timestamp(%[1]s == 0))[%[2]s:%[3]s]) and on (function_name) (%[1]s > 0)`,
		count, model.Duration(window), model.Duration(subqueryStep(window)))
}

// bothWokenQuery is the woken query of cf2dec1: the count in effect at
// each step or any raw sample of the step before it at 0.
func bothWokenQuery(window time.Duration) string {
	st := model.Duration(subqueryStep(window))
	zero := fmt.Sprintf(`(sum by (function_name) (%[1]s) == 0) or (max by (function_name) (min_over_time(%[1]s[%[2]s])) == 0)`, metricReplicas, st)
	return fmt.Sprintf(`max_over_time((timestamp(%[1]s))[%[2]s:%[3]s]) and on (function_name) (sum by (function_name) (%[4]s) > 0)`,
		zero, model.Duration(window), st, metricReplicas)
}

// queryPeakSamples asks Prometheus at base for expr at at with stats=all
// (which the client's Query does not return) and returns its peakSamples.
func queryPeakSamples(base, expr string, at time.Time) (float64, error) {
	q := url.Values{"query": {expr}, "time": {strconv.FormatInt(at.Unix(), 10)}, "stats": {"all"}}
	resp, err := http.Get(base + "/api/v1/query?" + q.Encode())
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Stats *struct {
				Samples *struct {
					Peak float64 `json:"peakSamples"`
				} `json:"samples"`
			} `json:"stats"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("%s: %s", body.Status, body.Error)
	}
	if body.Data.Stats == nil || body.Data.Stats.Samples == nil {
		return 0, fmt.Errorf("no samples in the stats")
	}
	return body.Data.Stats.Samples.Peak, nil
}

// writeReplicaHistory writes n functions' gateway_service_count from start
// to end every scrape in OpenMetrics, for promtool's backfill. Most
// functions stand at 1 (one in seven at 2); one in ten goes to 0 for 3
// minutes ending ~8 minutes before end (phased by function: in a 15m
// window), another one in twenty for 1 minute two hours before end
// (phased too: shorter than a 4h window's 4 m step, which the old query
// misses when it falls between two) and another one in thirty for 10
// minutes 3.5 hours before end; all are back above 0 at end.
func writeReplicaHistory(path string, n int, start, end time.Time, scrape time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "# TYPE %s gauge\n", metricReplicas)
	type span struct{ from, to time.Time }
	var line []byte
	for i := range n {
		var zeros []span
		if i%10 == 0 {
			from := end.Add(-11*time.Minute - time.Duration(i/10%12)*10*time.Second)
			zeros = append(zeros, span{from, from.Add(3 * time.Minute)})
		}
		if i%20 == 5 {
			from := end.Add(-2*time.Hour - time.Duration(i/20%16)*15*time.Second)
			zeros = append(zeros, span{from, from.Add(time.Minute)})
		}
		if i%30 == 7 {
			from := end.Add(-3*time.Hour - 30*time.Minute)
			zeros = append(zeros, span{from, from.Add(10 * time.Minute)})
		}
		up := int64(1)
		if i%7 == 3 {
			up = 2
		}
		prefix := fmt.Appendf(nil, "%s{function_name=\"fn%05d.openfaas-fn\"} ", metricReplicas, i)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			v := up
			for _, z := range zeros {
				if !ts.Before(z.from) && ts.Before(z.to) {
					v = 0
				}
			}
			line = append(line[:0], prefix...)
			line = strconv.AppendInt(line, v, 10)
			line = append(line, ' ')
			line = strconv.AppendInt(line, ts.Unix(), 10)
			line = append(line, '\n')
			w.Write(line)
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
