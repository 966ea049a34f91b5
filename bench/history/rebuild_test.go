package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/controller"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildADay writes a day of HISTORY_FUNCTIONS functions (10,000 by
// default) scraped every 15 s, starts Prometheus on it, and rebuilds the
// keep-alive from it as a restart does: within HISTORY_REBUILD_TIMEOUT
// (keep_alive.rebuild_timeout, 30 s by default), and with
// HISTORY_WHOLE=1 without a bound too. It logs what each of the rebuild's
// queries costs alone and how much of the day the rebuild read, and checks
// that what it learned is the day's calls in the span read.
func TestRebuildADay(t *testing.T) {
	if os.Getenv("FAAS_HISTORY_BENCH") == "" {
		t.Skip("set FAAS_HISTORY_BENCH=1 (make bench-history) to run the rebuild against a day of history")
	}
	n := envInt(t, "HISTORY_FUNCTIONS", 10_000)
	bound := envDuration(t, "HISTORY_REBUILD_TIMEOUT", 30*time.Second)
	const lookback = 24 * time.Hour
	prom, d := dayOnPrometheus(t, n, lookback)
	from, end := d.from, d.to
	q := prom.API()

	timeQueries(t, q, end, lookback)

	p, err := keepalive.New(keepalive.Default())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	runtime.GC()
	peak := heapPeak()
	began := time.Now()
	rep, err := p.RebuildWithin(ctx, q, end, lookback, controller.RebuildStep, "openfaas-fn", time.Now)
	cancel()
	took := time.Since(began)
	inUse, live := peak()
	t.Logf("Go heap during RebuildWithin, above what was held before it (sampled every 50 ms): in use at the peak %.1f MiB, live %.1f MiB", inUse, live)
	if err != nil {
		t.Fatalf("RebuildWithin %s at %d functions: %v after %s", bound, n, err, took.Round(time.Millisecond))
	}
	read := lookback
	if !rep.From.IsZero() {
		read = end.Sub(rep.From)
	}
	t.Logf("RebuildWithin, bound %s: read the last %s of %s in %s: %d functions, %.0f invocations, %d zeroed (replica history: %s)",
		bound, read, lookback, took.Round(time.Millisecond), rep.Functions, rep.Invocations, rep.Zeroed, replicaHistoryRead(rep, read, end))
	checkLearned(t, d, end.Add(-read), end, rep)
	if p.Fills() {
		timeFill(t, p, q, from, rep.From, end, bound)
	}
	timeRefresh(t, q, end, lookback, bound)

	if os.Getenv("HISTORY_WHOLE") == "1" {
		whole, _ := keepalive.New(keepalive.Default())
		began = time.Now()
		rep, err := whole.Rebuild(t.Context(), q, end, lookback, controller.RebuildStep, "openfaas-fn")
		if err != nil {
			t.Fatalf("Rebuild of the whole day: %v", err)
		}
		t.Logf("Rebuild, no bound: the whole %s in %s: %d functions, %.0f invocations, %d zeroed (replica history: %v)",
			lookback, time.Since(began).Round(time.Millisecond), rep.Functions, rep.Invocations, rep.Zeroed, rep.ZeroedErr)
		checkLearned(t, d, from, end, rep)
		sameLearned(t, n, p, whole, end)
	}
}

// replicaHistoryRead says how much of the replica history a rebuild that
// read the last read of its counters read, up to end. A zero ZeroedFrom
// is the whole span only without ZeroedErr: with it, none was read (the
// report's doc), and the log said "the last 24h0m0s" of a history it
// never read.
func replicaHistoryRead(rep keepalive.RebuildReport, read time.Duration, end time.Time) string {
	switch {
	case !rep.ZeroedFrom.IsZero() && rep.ZeroedErr != nil:
		return fmt.Sprintf("the last %s, then: %v", end.Sub(rep.ZeroedFrom), rep.ZeroedErr)
	case !rep.ZeroedFrom.IsZero():
		return fmt.Sprintf("the last %s", end.Sub(rep.ZeroedFrom))
	case rep.ZeroedErr != nil:
		return fmt.Sprintf("none read: %v", rep.ZeroedErr)
	}
	return fmt.Sprintf("the last %s", read)
}

// dayOnPrometheus writes a day (the lookback up to now, to the minute) of
// n functions scraped every 15 s as TSDB blocks and starts Debian's
// Prometheus on them.
func dayOnPrometheus(t *testing.T, n int, lookback time.Duration, live ...teststack.Target) (*teststack.Prom, *day) {
	t.Helper()
	const scrape = 15 * time.Second
	end := time.Now().Truncate(time.Minute)
	from := end.Add(-lookback)
	// Only 2 h blocks: Prometheus would otherwise compact the day's twelve
	// blocks in the background while the rebuild is timed. live are
	// scraped from its start on (a live gateway, the controller), every 5 s
	// as a deployment that wants the scaler's reaction would.
	opts := teststack.PromOptions{ExtraArgs: []string{
		"--storage.tsdb.retention.time=30d", "--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"}}
	if len(live) > 0 {
		opts.ScrapeTargets, opts.ScrapeInterval = live, 5*time.Second
	}
	prom := teststack.Prometheus(t, opts)
	if err := prom.Stop(); err != nil {
		t.Fatal(err)
	}
	d := newDay(n, from, end, scrape, 1)
	began := time.Now()
	samples, err := writeDay(t.Context(), filepath.Join(prom.DataDir(), "data"), d)
	if err != nil {
		t.Fatalf("writing the day: %v", err)
	}
	t.Logf("wrote a day of %d functions, %d samples, in %s", n, samples, time.Since(began).Round(time.Second))
	if err := prom.Start(); err != nil {
		t.Fatalf("prometheus on the day: %v\n%s", err, prom.Logs())
	}
	if v, err := instant(t.Context(), prom.API(), "count(gateway_service_count)", end); err != nil || v != float64(n) {
		t.Fatalf("Prometheus holds %v replica series at the day's end (%v), want %d\n%s", v, err, n, prom.Logs())
	}
	return prom, d
}

// timeFill times the fill of the history before the span RebuildWithin
// read (keepalive.FillRebuild, as controller.Learn runs it beside the
// feeder), each span within bound.
func timeFill(t *testing.T, p *keepalive.Policy, q v1.API, from, to, end time.Time, bound time.Duration) {
	runtime.GC()
	peak := heapPeak()
	began := time.Now()
	rep, err := p.FillRebuild(t.Context(), q, from, to, controller.RebuildStep, bound, "openfaas-fn", time.Now)
	took := time.Since(began)
	inUse, live := peak()
	t.Logf("FillRebuild, each span within %s: %d spans in %s, back to %s before the end (the lookback's start: %t): %d functions' calls, %d idle times added, %d without room (err %v); Go heap above what was held before it: in use at the peak %.1f MiB, live %.1f MiB",
		bound, rep.Spans, took.Round(time.Millisecond), end.Sub(rep.From), rep.From.Equal(from), rep.Functions, rep.IdleTimes, rep.Dropped, err, inUse, live)
}

// sameLearned counts the functions whose idle times (how many) or last
// call differ between the policy rebuilt within its bound and filled (p)
// and the one rebuilt whole: none when the fill read back to the
// lookback's start.
func sameLearned(t *testing.T, n int, p, whole *keepalive.Policy, end time.Time) {
	differ := 0
	for i := range n {
		ref := provider.Ref{Name: strings.TrimSuffix(name(i), ".openfaas-fn"), Namespace: "openfaas-fn"}
		a, _ := p.Explain(ref, time.Hour, end)
		b, _ := whole.Explain(ref, time.Hour, end)
		if a.IdleTimes != b.IdleTimes || !a.LastInvocation.Equal(b.LastInvocation) {
			if differ < 3 {
				t.Logf("%s: %d idle times, last call %s; rebuilt whole: %d, %s", ref.Name, a.IdleTimes, a.LastInvocation, b.IdleTimes, b.LastInvocation)
			}
			differ++
		}
	}
	t.Logf("rebuilt within the bound and filled, against rebuilt whole: %d of %d functions differ in their idle times or last call", differ, n)
}

// timeRefresh times what a later leadership term reads of the replica
// history, each bounded by keep_alive.rebuild_timeout as the controller
// bounds it: after a term that ended an hour before end, the history since
// then (keepalive.RefreshZeroed), then the term's fill of the history
// before the hour known (keepalive.FillZeroed). The counts current an hour before end
// are read first without a bound: with HISTORY_WHOLE=1 over the lookback
// (what every term read before session 40; ~11 minutes at 100,000
// functions), else over the hour before.
func timeRefresh(t *testing.T, q v1.API, end time.Time, lookback, bound time.Duration) {
	p, err := keepalive.New(keepalive.Default())
	if err != nil {
		t.Fatal(err)
	}
	termEnd := end.Add(-time.Hour)
	first := time.Hour
	if os.Getenv("HISTORY_WHOLE") == "1" {
		first = lookback
	}
	began := time.Now()
	r, err := p.RefreshZeroed(t.Context(), q, termEnd, first, controller.RebuildStep, "openfaas-fn", time.Now)
	if err != nil {
		t.Fatalf("the replica history of %s, unbounded: %v", first, err)
	}
	what := "to make the counts current at the term's end"
	if first == lookback {
		what = "the whole lookback: what a term's refresh read before session 40"
	}
	t.Logf("replica history of %s in one read (%s): %s, %d functions' counts",
		first, what, time.Since(began).Round(time.Millisecond), r.Told)
	ctx, cancel := context.WithTimeout(t.Context(), bound)
	defer cancel()
	began = time.Now()
	r, err = p.RefreshZeroed(ctx, q, end, lookback, controller.RebuildStep, "openfaas-fn", time.Now)
	t.Logf("a later term's refresh, counts current to 1 h before, bound %s: %s, complete back %s, %d told, %d dropped (err %v)",
		bound, time.Since(began).Round(time.Millisecond), end.Sub(r.From), r.Told, r.Dropped, err)
	fctx, fcancel := context.WithTimeout(t.Context(), bound)
	defer fcancel()
	began = time.Now()
	told, from, ferr := p.FillZeroed(fctx, q, end, lookback, controller.RebuildStep, "openfaas-fn", time.Now)
	t.Logf("its fill of older history, bound %s: %s, complete back %s, %d told (err %v)",
		bound, time.Since(began).Round(time.Millisecond), end.Sub(from), told, ferr)
	// Not reaching the term's end in its bound (100,000 functions: an hour
	// is ~24 s of Prometheus) is a figure; dropping counts it read back
	// over is a fault.
	if reached := !r.From.IsZero() && !r.From.After(termEnd); reached && r.Dropped > 0 {
		t.Errorf("a later term's refresh read back to %s, past the term's end (%s), and dropped %d counts", r.From, termEnd, r.Dropped)
	}
}

// checkLearned compares what a rebuild of the span from from to end
// learned with the day's calls there: the functions called and the calls,
// within the calls of one scrape interval at the span's start (a counter's
// value at the first step is a baseline, read from the last scrape before
// it).
func checkLearned(t *testing.T, d *day, from, end time.Time, rep keepalive.RebuildReport) {
	t.Helper()
	lo, hi := int32(from.Sub(d.from)/time.Second), int32(end.Sub(d.from)/time.Second)
	slack := int32(d.scrape / time.Second)
	functions, calls, edge := 0, 0.0, 0.0
	for _, cs := range d.calls {
		k := 0
		for _, c := range cs {
			switch {
			case c > lo && c <= hi:
				k++
			case c > lo-slack && c <= lo:
				edge++
			}
		}
		if k > 0 {
			functions++
		}
		calls += float64(k)
	}
	t.Logf("the day's calls in the span read: %d functions, %.0f calls (%.0f more within a scrape before it)", functions, calls, edge)
	if rep.Invocations < calls-edge || rep.Invocations > calls+edge {
		t.Errorf("learned %.0f invocations, want the span's %.0f (± %.0f)", rep.Invocations, calls, edge)
	}
	if rep.Functions > functions+int(edge) || rep.Functions < functions-int(edge) {
		t.Errorf("learned %d functions, want the span's %d (± %.0f)", rep.Functions, functions, edge)
	}
}

// timeQueries logs what each of the rebuild's queries costs Prometheus
// alone, at the day's end.
func timeQueries(t *testing.T, q v1.API, end time.Time, lookback time.Duration) {
	t.Helper()
	step := controller.RebuildStep
	for _, c := range []struct {
		what        string
		query       string
		span, every time.Duration
	}{
		{"series count, hourly over the lookback", keepalive.RebuildSeriesQuery(), lookback, time.Hour},
		{"series count, every 5 minutes (before session 39)", keepalive.RebuildSeriesQuery(), lookback, 5 * time.Minute},
		{"series count, at the end", keepalive.RebuildSeriesQuery(), 0, step},
		{"series by their names' last character, at the end", keepalive.ShardSpreadQuery(0, "openfaas-fn"), 0, step},
		{"counters, 1 step", keepalive.RebuildQuery(), 0, step},
		{"counters, 5 steps", keepalive.RebuildQuery(), 4 * step, step},
		{"counters, 5 steps, shard 0 of 5", keepalive.RebuildShardQuery(0, 5, 0), 4 * step, step},
		{"counters, 5 steps, shard 1 of 5", keepalive.RebuildShardQuery(1, 5, 0), 4 * step, step},
		{"counters, 5 steps, shard 4 of 5", keepalive.RebuildShardQuery(4, 5, 0), 4 * step, step},
		{"counters, 10 steps", keepalive.RebuildQuery(), 9 * step, step},
		{"counters, 50 steps", keepalive.RebuildQuery(), 49 * step, step},
		{"replica history, 10 steps", keepalive.RebuildReplicasQuery(step), 9 * step, step},
		{"replica history, 60 steps", keepalive.RebuildReplicasQuery(step), 59 * step, step},
	} {
		began := time.Now()
		v, _, _, err := q.QueryRange(t.Context(), c.query, v1.Range{Start: end.Add(-c.span), End: end, Step: c.every})
		took := time.Since(began)
		series, points := 0, 0
		if m, ok := v.(model.Matrix); ok {
			series = len(m)
			for _, s := range m {
				points += len(s.Values)
			}
		}
		t.Logf("query %-50s %8s  %d series, %d points, err %v", c.what+":", took.Round(time.Millisecond), series, points, err)
	}
}

func instant(ctx context.Context, q v1.API, expr string, at time.Time) (float64, error) {
	v, _, _, err := q.Query(ctx, expr, at)
	if err != nil {
		return 0, err
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		return 0, nil
	}
	return float64(vec[0].Value), nil
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, s)
	}
	return v
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 30s", name, s)
	}
	return v
}

// heapPeak samples the Go heap every 50 ms until the returned function is
// called, which returns, in MiB above the start, the most in use (objects
// and the free space of their spans, at the collector's pace) and the most
// the collections marked live.
func heapPeak() func() (inUse, live float64) {
	read := func() (uint64, uint64) {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"},
			{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64() + s[1].Value.Uint64(), s[2].Value.Uint64()
	}
	baseUse, baseLive := read()
	done, out := make(chan struct{}), make(chan [2]uint64)
	go func() {
		top := [2]uint64{baseUse, baseLive}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				out <- top
				return
			case <-tick.C:
				u, l := read()
				top = [2]uint64{max(top[0], u), max(top[1], l)}
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		top := <-out
		return float64(top[0]-baseUse) / (1 << 20), float64(top[1]-baseLive) / (1 << 20)
	}
}
