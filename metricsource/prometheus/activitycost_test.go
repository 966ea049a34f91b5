package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// BenchmarkActivityWindows measures what one Activity costs, as the idler
// sees it, against a real Prometheus (Debian's) holding FAAS_QUERY_FUNCTIONS
// functions (default 2,000) of gateway series every FAAS_QUERY_SCRAPE
// (default 5s) from 4 hours and 5 minutes before now
// (writeActivityHistory): the started counter, the invocation counter (a
// 500 series for one function in ten), the in-flight gauge, the replica
// count, and the gateway target's up and process start time. The idler
// asks once per distinct activity window, one after the other, so a cycle
// whose auto keep-alives use many ladder steps costs about the sum of
// their Activity calls.
//
// "activity/W" times Source.Activity(ctx, W) (its seven queries and the
// down-gateways read, concurrent) through a Source whose timeout is 2
// minutes, so that it measures rather than fails; slowest-s is the
// slowest timed call, and shipped-5s-ok is 1 when one more call through a
// Source at the shipped prometheus.timeout (5 s) succeeded, else 0 (its
// error in -v). "query/W/NAME" times each of those queries alone, built
// as Activity builds them and read as it reads them (queryEach), with
// Prometheus' peakSamples for it (queryPeakSamples, one more query, not
// timed); "query/W/one-increase" is not Activity's: one increase() of the
// started counter over W, the least a started count costs.
// "activity-for/W/K" times ActivityFor(ctx, W, K functions spread over the
// fleet), what the idler asks for a window's functions: narrowed to their
// names up to maxNarrowed (subset.go). "cycle/15-windows" times an idler
// cycle's reads over a fleet spread evenly over 15 ladder steps from 5 m
// to 4 h, each through the shipped 5 s timeout (windows-failed: how many
// did not fit it). "activity-chunked/W" times ActivityFor for every
// function in chunks of maxNarrowed, each through the shipped 5 s timeout,
// as a window whose whole read timed out is read (chunks.go).
//
// Activity asks at the server's now, so the history runs on past the wall
// clock (activityAhead) and the benchmark fails rather than measure a
// window that has left it. Prometheus runs without block compaction
// (2h blocks, as promtool writes them): the compaction it starts a minute
// after its start would otherwise run beside the timed calls. The vanish
// lookback of a window w is max(2w, w+5m): at 4h it is 8h, of which the
// history holds 4h05m plus what has passed since now, so the vanished
// query's figure at 4h is below what a Prometheus holding 8 hours pays.
// It runs only with FAAS_QUERY_BENCH=1; -v shows the write and backfill
// times.
func BenchmarkActivityWindows(b *testing.B) {
	n, scrape := queryBenchSize(b, 5*time.Second)
	now := time.Now().Truncate(scrape)
	end := now.Add(activityAhead(n))
	began := time.Now()
	var wrote time.Duration
	var size int64
	p := startUncompacted(b, func(path string) error {
		defer func() { wrote = time.Since(began) }()
		if err := writeActivityHistory(path, n, now.Add(-4*time.Hour-5*time.Minute), now, end, scrape); err != nil {
			return err
		}
		fi, err := os.Stat(path)
		if err == nil {
			size = fi.Size()
		}
		return err
	})
	b.Logf("%d functions every %s from 4h5m before to %s after the start: %.1f GB written in %s, backfilled and restarted in %s",
		n, scrape, end.Sub(now), float64(size)/1e9, wrote.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	long := gatewaySource(b, p, func(c *Config) { c.Timeout = 2 * time.Minute })
	shipped := gatewaySource(b, p, nil)
	for _, s := range []*Source{long, shipped} {
		s.scrapeInterval(b.Context()) // starts the read
		s.phase.done.Wait()
		if got := s.scrapeInterval(b.Context()); got != scrape {
			b.Fatalf("scrape interval read as %s, want %s", got, scrape)
		}
	}
	// Each sub-benchmark needs its calls' time of history ahead: at
	// 10,000 functions and 4h, about 2 minutes (session 47).
	stillAhead := func(b *testing.B) {
		if left := time.Until(end); left < 5*time.Minute {
			b.Fatalf("the history ends in %s: too soon to time a window (activityAhead)", left.Round(time.Second))
		}
	}
	// An idler cycle over a fleet whose auto keep-alives use 15 ladder
	// steps from 5 m to 4 h, the fleet spread evenly over them: one
	// ActivityFor per step, one after the other, as the idler asks.
	var steps []time.Duration
	for _, m := range []int{5, 10, 15, 20, 30, 40, 50, 60, 75, 90, 120, 150, 180, 210, 240} {
		steps = append(steps, time.Duration(m)*time.Minute)
	}
	groups := make([][]provider.Ref, len(steps))
	for i := range n {
		g := i % len(steps)
		groups[g] = append(groups[g], provider.Ref{Name: fmt.Sprintf("fn%05d", i), Namespace: "openfaas-fn"})
	}
	// "cycle/15-windows" asks as the idler does; "cycle/15-windows-whole"
	// as it did before ActivityFor narrowed (every function per window,
	// through a long timeout so that it measures rather than fails).
	for _, whole := range []bool{false, true} {
		name := "cycle/15-windows"
		if whole {
			name += "-whole"
		}
		b.Run(name, func(b *testing.B) {
			stillAhead(b)
			var slowest time.Duration
			failed := 0
			for b.Loop() {
				failed = 0
				for k, w := range steps {
					t0 := time.Now()
					var err error
					if whole {
						_, err = long.Activity(b.Context(), w)
					} else {
						_, err = shipped.ActivityFor(b.Context(), w, groups[k])
					}
					if err != nil {
						failed++
						b.Logf("%s for %d functions: %v", w, len(groups[k]), err)
					}
					slowest = max(slowest, time.Since(t0))
				}
			}
			b.ReportMetric(slowest.Seconds(), "slowest-window-s")
			b.ReportMetric(float64(failed), "windows-failed")
		})
	}
	for _, w := range []time.Duration{15 * time.Minute, time.Hour, 4 * time.Hour} {
		b.Run("activity/"+model.Duration(w).String(), func(b *testing.B) {
			stillAhead(b)
			// One call untimed: the size hints and Prometheus' page cache as
			// an idler's cycle every 30 s leaves them.
			first := time.Now()
			act, err := long.Activity(b.Context(), w)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("first call %s", time.Since(first).Round(time.Millisecond))
			if !act.Covered || len(act.Started) != n || len(act.Inflight) != n {
				b.Fatalf("covered %v (%s), %d started and %d in-flight readings: want covered and %d each",
					act.Covered, act.Uncovered, len(act.Started), len(act.Inflight), n)
			}
			var slowest time.Duration
			for b.Loop() {
				t0 := time.Now()
				if act, err = long.Activity(b.Context(), w); err != nil {
					b.Fatal(err)
				}
				slowest = max(slowest, time.Since(t0))
			}
			b.ReportMetric(slowest.Seconds(), "slowest-s")
			b.ReportMetric(float64(len(act.Woken)), "woken/op")
			t0 := time.Now()
			_, err = shipped.Activity(b.Context(), w)
			fits := 1.0
			if err != nil {
				fits = 0
				msg := err.Error()
				if len(msg) > 300 { // the whole started query's text
					msg = msg[:100] + " … " + msg[len(msg)-150:]
				}
				b.Logf("through the shipped %s timeout, after %s: %s", shipped.cfg.Timeout, time.Since(t0).Round(time.Millisecond), msg)
			}
			b.ReportMetric(fits, "shipped-5s-ok")
		})
		b.Run("activity-chunked/"+model.Duration(w).String(), func(b *testing.B) {
			stillAhead(b)
			// Every function, read in chunks of maxNarrowed through the
			// shipped timeout, as ActivityFor reads a window once its whole
			// read has timed out (chunks.go).
			refs := make([]provider.Ref, n)
			for i := range refs {
				refs[i] = provider.Ref{Name: fmt.Sprintf("fn%05d", i), Namespace: "openfaas-fn"}
			}
			shipped.chunked.add(w)
			timeActivityFor(b, shipped, w, refs)
		})
		for _, k := range []int{100, maxNarrowed} {
			if k >= n {
				continue
			}
			b.Run(fmt.Sprintf("activity-for/%s/%d", model.Duration(w), k), func(b *testing.B) {
				stillAhead(b)
				// The idler's ask for one window's functions: k of the
				// fleet, spread over it.
				refs := make([]provider.Ref, k)
				for i := range refs {
					refs[i] = provider.Ref{Name: fmt.Sprintf("fn%05d", i*n/k), Namespace: "openfaas-fn"}
				}
				timeActivityFor(b, long, w, refs)
				_, err := shipped.ActivityFor(b.Context(), w, refs)
				fits := 1.0
				if err != nil {
					fits = 0
				}
				b.ReportMetric(fits, "shipped-5s-ok")
			})
		}
		queries, err := activityQueries(long, w)
		if err != nil {
			b.Fatal(err)
		}
		sameAnswers(b, p, queries[0], queries[1])
		for _, q := range queries {
			b.Run("query/"+model.Duration(w).String()+"/"+q.name, func(b *testing.B) {
				stillAhead(b)
				peak, serr := queryPeakSamples(p.URL(), q.expr, time.Now())
				if serr != nil {
					b.Logf("stats: %v", serr)
				}
				var series int
				for b.Loop() {
					ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
					series = 0
					err := long.queryEach(ctx, q.expr, func(*sample) { series++ })
					cancel()
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(series), "series/op")
				if serr == nil {
					b.ReportMetric(peak, "peak-samples/op")
				}
			})
		}
	}
}

// timeActivityFor times src.ActivityFor(w, refs) in b's loop, checks the
// last answer covers every ref, and reports the slowest call.
func timeActivityFor(b *testing.B, src *Source, w time.Duration, refs []provider.Ref) {
	b.Helper()
	var act metricsource.Activity
	var err error
	var slowest time.Duration
	for b.Loop() {
		t0 := time.Now()
		if act, err = src.ActivityFor(b.Context(), w, refs); err != nil {
			b.Fatal(err)
		}
		slowest = max(slowest, time.Since(t0))
	}
	if k := len(refs); !act.Covered || len(act.Started) != k || len(act.Inflight) != k {
		b.Fatalf("covered %v (%s), %d started and %d in-flight readings: want covered and %d each",
			act.Covered, act.Uncovered, len(act.Started), len(act.Inflight), k)
	}
	b.ReportMetric(slowest.Seconds(), "slowest-s")
}

// activityAhead is how far past the wall clock BenchmarkActivityWindows'
// history runs: the backfill (about a minute per 1,000 functions on the
// shared 2-core machine, session 47: 10m9s at 10,000) and the timed calls
// (7 minutes at 10,000).
func activityAhead(n int) time.Duration {
	return 15*time.Minute + time.Duration(n)*180*time.Millisecond
}

// activityQuery is one of Activity's queries, named.
type activityQuery struct{ name, expr string }

// activityQueries are the queries s.Activity(ctx, window) sends, built by
// the same builders with the same arguments (source.go), the
// down-gateways read, and one-increase (not Activity's).
func activityQueries(s *Source, window time.Duration) ([]activityQuery, error) {
	started, err := startedQuery(window, s.cfg.CoverageSelector, s.cfg.DefaultNamespace)
	if err != nil {
		return nil, err
	}
	coverage, err := coverageQuery(s.cfg.CoverageSelector, window, 0, s.cfg.MaxScrapeGap)
	if err != nil {
		return nil, err
	}
	vanished, err := vanishedQuery(metricsource.VanishLookback(window), s.cfg.CoverageSelector, s.cfg.DefaultNamespace)
	if err != nil {
		return nil, err
	}
	scrape := s.scrapeInterval(context.Background())
	if scrape <= 0 {
		scrape = s.cfg.MaxScrapeGap
	}
	woken, _, err := wokenQuery(window, scrape)
	if err != nil {
		return nil, err
	}
	down, err := downQuery(s.cfg.CoverageSelector, coverageRange(window, s.cfg.MaxScrapeGap))
	if err != nil {
		return nil, err
	}
	// Not Activity's: one read of the started counter over the window, the
	// least a started count can cost, to set the started query against.
	floor := fmt.Sprintf(`sum by (function_name) (increase(%s[%s]))`, metricStarted, model.Duration(window))
	old, err := oldStartedQuery(window, s.cfg.CoverageSelector)
	if err != nil {
		return nil, err
	}
	return []activityQuery{{"started", started}, {"started-old", old}, {"inflight", inflightQuery()}, {"coverage", coverage},
		{"vanished", vanished}, {"queued", queueLevel()}, {"woken", woken}, {"counters", countersQuery(s.cfg.DefaultNamespace)},
		{"down", down}, {"one-increase", floor}}, nil
}

// startUncompacted is startBackfilled with Prometheus' block compaction
// off (its smallest and largest block 2h, promtool's): the history stays
// in the blocks promtool wrote, and no compaction runs beside a timed
// query.
func startUncompacted(tb testing.TB, write func(path string) error) *teststack.Prom {
	tb.Helper()
	return startBackfilled(tb, write, "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h")
}

// writeActivityHistory writes n functions' gateway series, as one gateway
// instance scraped by the job "gateway" exports them, from start to end
// every scrape, in OpenMetrics for promtool's backfill. now is the wall
// clock at the start of the benchmark: end is past it, so the series are
// current when Activity asks at the server's now.
//
// Calls: one function in four is busy (0–2 calls started every scrape,
// finished by the next), one calls once every 20 minutes, one once every 4
// hours, one never (its counters stay at the first call's 1); one in ten
// also has a 500 series. Replicas: 1 (one in seven at 2); one function in
// ten is at 0 for 3 minutes every 30 minutes, one in twenty for 1 minute
// every 2 hours, one in thirty for 10 minutes every 4 hours, each phased
// by function, so every window holds wakes.
func writeActivityHistory(path string, n int, start, now, end time.Time, scrape time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	const target = `instance="gateway:8082",job="gateway"`
	steps := int(end.Sub(start)/scrape) + 1
	// calls is what function i started at scrape k.
	calls := func(i, k int) int64 {
		switch i % 4 {
		case 0:
			return int64((i + k) % 3)
		case 1:
			if (k+i)%int(20*time.Minute/scrape) == 0 {
				return 1
			}
		case 2:
			if (k+7*i)%int(4*time.Hour/scrape) == 0 {
				return 1
			}
		}
		return 0
	}
	var line []byte
	put := func(prefix []byte, v int64, ts time.Time) {
		line = append(line[:0], prefix...)
		line = strconv.AppendInt(line, v, 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, ts.Unix(), 10)
		line = append(line, '\n')
		w.Write(line)
	}
	fn := func(i int) string { return fmt.Sprintf("fn%05d.openfaas-fn", i) }

	fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
	for i := range n {
		prefix := fmt.Appendf(nil, "%s{function_name=%q,%s} ", promql.MetricStarted, fn(i), target)
		count := int64(1)
		for k := range steps {
			count += calls(i, k)
			put(prefix, count, start.Add(time.Duration(k)*scrape))
		}
	}
	fmt.Fprintf(w, "# TYPE %s unknown\n", metricTotal)
	for i := range n {
		prefix := fmt.Appendf(nil, "%s{code=\"200\",function_name=%q,%s} ", metricTotal, fn(i), target)
		count, ended := int64(1), int64(1)
		for k := range steps {
			put(prefix, ended, start.Add(time.Duration(k)*scrape))
			count += calls(i, k)
			ended = count // what started at k has ended by k+1
		}
		if i%10 == 9 {
			prefix := fmt.Appendf(nil, "%s{code=\"500\",function_name=%q,%s} ", metricTotal, fn(i), target)
			for k := range steps {
				put(prefix, int64(1+k/200), start.Add(time.Duration(k)*scrape))
			}
		}
	}
	fmt.Fprintf(w, "# TYPE %s gauge\n", promql.MetricInflight)
	for i := range n {
		prefix := fmt.Appendf(nil, "%s{function_name=%q,%s} ", promql.MetricInflight, fn(i), target)
		for k := range steps {
			put(prefix, calls(i, k), start.Add(time.Duration(k)*scrape))
		}
	}
	fmt.Fprintf(w, "# TYPE %s gauge\n", metricReplicas)
	type cycle struct{ every, zero time.Duration }
	for i := range n {
		var zeros []cycle
		if i%10 == 0 {
			zeros = append(zeros, cycle{30 * time.Minute, 3 * time.Minute})
		}
		if i%20 == 5 {
			zeros = append(zeros, cycle{2 * time.Hour, time.Minute})
		}
		if i%30 == 7 {
			zeros = append(zeros, cycle{4 * time.Hour, 10 * time.Minute})
		}
		up := int64(1)
		if i%7 == 3 {
			up = 2
		}
		phase := time.Duration(i) * 15 * time.Second
		prefix := fmt.Appendf(nil, "%s{function_name=%q,%s} ", metricReplicas, fn(i), target)
		for k := range steps {
			ts := start.Add(time.Duration(k) * scrape)
			v := up
			for _, z := range zeros {
				if at := ((ts.Sub(now)+phase)%z.every + z.every) % z.every; at < z.zero {
					v = 0
				}
			}
			put(prefix, v, ts)
		}
	}
	fmt.Fprintln(w, "# TYPE up gauge")
	prefix := []byte("up{" + target + "} ")
	for k := range steps {
		put(prefix, 1, start.Add(time.Duration(k)*scrape))
	}
	// The gateway's process, started a day before the history: no restart
	// within any window.
	fmt.Fprintf(w, "# TYPE %s gauge\n", metricProcessStart)
	prefix = fmt.Appendf(nil, "%s{%s} ", metricProcessStart, target)
	for k := range steps {
		put(prefix, start.Add(-24*time.Hour).Unix(), start.Add(time.Duration(k)*scrape))
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sameAnswers fails b unless a and b answer alike now: the same series
// with the same values (startedQuery against the form it replaced).
func sameAnswers(tb testing.TB, p *teststack.Prom, a, b activityQuery) {
	tb.Helper()
	at := time.Now()
	answer := func(q activityQuery) map[string]model.SampleValue {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		v, _, _, err := p.API().Query(ctx, q.expr, at)
		if err != nil {
			tb.Fatalf("%s: %v", q.name, err)
		}
		out := map[string]model.SampleValue{}
		for _, s := range v.(model.Vector) {
			out[s.Metric.String()] = s.Value
		}
		return out
	}
	x, y := answer(a), answer(b)
	if len(x) != len(y) {
		tb.Fatalf("%s answers %d series, %s %d", a.name, len(x), b.name, len(y))
	}
	for k, v := range x {
		if w, ok := y[k]; !ok || w != v {
			tb.Fatalf("%s: %s = %v, %s: %v (present %v)", k, a.name, v, b.name, w, ok)
		}
	}
}
