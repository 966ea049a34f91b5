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

// subsetSeries is one gateway series of the subset history: its value at
// each scrape, or absent where value answers false.
type subsetSeries struct {
	metric, labels string
	value          func(ago time.Duration) (float64, bool)
}

// TestActivityForAnswersAsActivity: ActivityFor narrows the per-function
// queries to the functions asked about, and each of them reads exactly as
// Activity reads it — called, quiet, vanished, woken from zero, in flight,
// named bare in the default namespace, a name with a dot — while the
// functions not asked about are not in the answer (what shows the query
// was narrowed: a name is matched whole, so fn is not fn2, and a namespace
// is part of the name, so fn.openfaas-fn is not fn.team); and read in
// chunks, the merged answer is Activity's.
func TestActivityForAnswersAsActivity(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start, end := now.Add(-20*time.Minute), now.Add(5*time.Minute)
	const target = `instance="10.0.0.5:8082",job="gateway"`
	constant := func(v float64) func(time.Duration) (float64, bool) {
		return func(time.Duration) (float64, bool) { return v, true }
	}
	// callsUntil counts one call a scrape until ago reaches since (then
	// flat). A counter called throughout (always) counts on past now, to
	// the history's end: flat from now on, its increase() over a window
	// ending in the flat part was extrapolated by how far past now the
	// query ran, and two reads a moment apart counted 60 and 59 (3 runs in
	// 15). Linear throughout, every read counts the same.
	const always = -time.Hour
	callsUntil := func(since time.Duration) func(time.Duration) (float64, bool) {
		return func(ago time.Duration) (float64, bool) {
			return float64(int((20*time.Minute - max(ago, since)) / scrape)), true
		}
	}
	fnSeries := func(name string, started func(time.Duration) (float64, bool), replicas func(time.Duration) (float64, bool)) []subsetSeries {
		l := fmt.Sprintf(`function_name=%q`, name)
		return []subsetSeries{
			{promql.MetricStarted, l, started},
			{metricTotal, l + `,code="200"`, started},
			{promql.MetricInflight, l, constant(0)},
			{metricReplicas, l, replicas},
		}
	}
	var series []subsetSeries
	series = append(series, fnSeries("fn.openfaas-fn", callsUntil(always), constant(1))...)
	series = append(series, fnSeries("fn2.openfaas-fn", callsUntil(always), constant(1))...)
	series = append(series, fnSeries("fn.team", callsUntil(always), constant(1))...)
	series = append(series, fnSeries("bare", callsUntil(always), constant(2))...)
	series = append(series, fnSeries("a.b.openfaas-fn", callsUntil(always), constant(1))...)
	series = append(series, fnSeries("quiet.openfaas-fn", callsUntil(15*time.Minute), constant(1))...)
	// Woken: at zero replicas until 2 minutes ago, one since.
	series = append(series, fnSeries("woke.openfaas-fn", callsUntil(15*time.Minute), func(ago time.Duration) (float64, bool) {
		if ago > 2*time.Minute {
			return 0, true
		}
		return 1, true
	})...)
	// Vanished: every series gone 6 minutes ago (a backfill writes no
	// staleness marker: gone for longer than the 5 m lookback).
	for _, s := range fnSeries("gone.openfaas-fn", callsUntil(15*time.Minute), constant(1)) {
		v := s.value
		s.value = func(ago time.Duration) (float64, bool) {
			if ago < 6*time.Minute {
				return 0, false
			}
			return v(ago)
		}
		series = append(series, s)
	}
	// Busy: two in flight now.
	busy := fnSeries("busy.openfaas-fn", callsUntil(always), constant(2))
	busy[2].value = constant(2)
	series = append(series, busy...)

	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		families := []struct{ name, typ string }{
			{promql.MetricStarted, "unknown"}, {metricTotal, "unknown"}, {promql.MetricInflight, "gauge"}, {metricReplicas, "gauge"},
		}
		for _, fam := range families {
			fmt.Fprintf(w, "# TYPE %s %s\n", fam.name, fam.typ)
			for _, s := range series {
				if s.metric != fam.name {
					continue
				}
				for ts := start; !ts.After(end); ts = ts.Add(scrape) {
					if v, ok := s.value(now.Sub(ts)); ok {
						fmt.Fprintf(w, "%s{%s,%s} %g %d\n", s.metric, s.labels, target, v, ts.Unix())
					}
				}
			}
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{%s} 1 %d\n", target, ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	ctx := context.Background()
	const window = 5 * time.Minute
	// The woken bound is a scrape past the last zero, the scrape
	// interval once read (read in the background from the first call on).
	src.scrapeInterval(ctx)
	src.phase.done.Wait()
	all, err := src.Activity(ctx, window)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(name, ns string) provider.Ref { return provider.Ref{Name: name, Namespace: ns} }
	fn, fn2, team := ref("fn", "openfaas-fn"), ref("fn2", "openfaas-fn"), ref("fn", "team")
	bare, dotted, quiet := ref("bare", "openfaas-fn"), ref("a.b", "openfaas-fn"), ref("quiet", "openfaas-fn")
	woke, gone, busyRef := ref("woke", "openfaas-fn"), ref("gone", "openfaas-fn"), ref("busy", "openfaas-fn")
	// The history is what the cases need, read through Activity.
	if !all.Covered {
		t.Fatalf("activity not covered: %s", all.Uncovered)
	}
	for _, c := range []struct {
		ref  provider.Ref
		ok   func(metricsource.FunctionActivity) bool
		want string
	}{
		{fn, func(a metricsource.FunctionActivity) bool { return a.Started > 0 }, "called"},
		{bare, func(a metricsource.FunctionActivity) bool { return a.Started > 0 }, "called"},
		{dotted, func(a metricsource.FunctionActivity) bool { return a.Started > 0 }, "called"},
		{quiet, func(a metricsource.FunctionActivity) bool { return a.HasStarted && a.Started == 0 }, "quiet"},
		{woke, func(a metricsource.FunctionActivity) bool { return !a.Woken.IsZero() }, "woken"},
		{gone, func(a metricsource.FunctionActivity) bool { return a.Vanished }, "vanished"},
		{busyRef, func(a metricsource.FunctionActivity) bool { return a.Inflight == 2 }, "two in flight"},
	} {
		if a := all.Of(c.ref); !c.ok(a) {
			t.Fatalf("Activity reads %s as %+v, want %s: the history is wrong", c.ref, a, c.want)
		}
	}

	everyone := []provider.Ref{fn, fn2, team, bare, dotted, quiet, woke, gone, busyRef}
	for _, asked := range [][]provider.Ref{
		{fn}, {fn2}, {team}, {bare}, {dotted}, {quiet, woke}, {gone}, {busyRef, fn},
	} {
		sub, err := src.ActivityFor(ctx, window, asked)
		if err != nil {
			t.Fatalf("ActivityFor(%v): %v", asked, err)
		}
		if sub.Covered != all.Covered || sub.Uncovered != all.Uncovered {
			t.Errorf("ActivityFor(%v): covered %v %q, want Activity's %v %q", asked, sub.Covered, sub.Uncovered, all.Covered, all.Uncovered)
		}
		for _, r := range everyone {
			got, want := sub.Of(r), all.Of(r)
			if !containsRef(asked, r) {
				want = metricsource.FunctionActivity{}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ActivityFor(%v), %s (-want +got):\n%s", asked, r, d)
			}
		}
	}

	// Read in chunks (chunks.go: a window whose whole read timed out),
	// here of two functions, the merged answer is the whole one's.
	src.chunk = 2
	chunked, err := src.activityInChunks(ctx, window, everyone)
	if err != nil {
		t.Fatal(err)
	}
	if chunked.Covered != all.Covered || chunked.Uncovered != all.Uncovered {
		t.Errorf("in chunks: covered %v %q, want Activity's %v %q", chunked.Covered, chunked.Uncovered, all.Covered, all.Uncovered)
	}
	for _, r := range everyone {
		if d := cmp.Diff(all.Of(r), chunked.Of(r)); d != "" {
			t.Errorf("in chunks of two, %s (-whole +chunked):\n%s", r, d)
		}
	}
}

func containsRef(refs []provider.Ref, r provider.Ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}
