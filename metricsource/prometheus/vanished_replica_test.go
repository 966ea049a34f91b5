package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestFunctionGoneFromAReplicaRestartedInPlaceIsVanished: two gateway
// replicas, gw-a and gw-b, scraped every 5 s, both up throughout. gw-a's
// container restarted in place 6 minutes ago (same address, its process
// start time moved, no scrape failed): the new process has not counted f
// yet, so f's series on gw-a are gone, while gw-b, where f was not called,
// still has them. The calls made through gw-a's old process after its last
// scrape are in no counter, so f's activity over a 10 minute window is
// unknown: vanished. Decided per function, f read as present (gw-b's
// series) with 0 calls on a covered window, and the idler could idle it up
// to a scrape interval early.
//
// The controls: g, on both replicas throughout, is not vanished; q,
// counted on gw-a under its bare name before the restart and under its
// qualified name since (a gateway without function_namespace), is the same
// function there (promql.QualifiedName), not vanished; h, on gw-c (a
// replica replaced 15 minutes ago: its target left, so it is not up) and on
// gw-b, is not vanished (a rollout must not pause idling for the vanish
// lookback); k, on gw-c alone, is vanished (no series anywhere now: the
// old per-function reading, kept).
// Found by a review helper.
func TestFunctionGoneFromAReplicaRestartedInPlaceIsVanished(t *testing.T) {
	const scrape = 5 * time.Second
	now := time.Now().Truncate(scrape)
	start, end := now.Add(-25*time.Minute), now.Add(2*time.Minute)
	restarted := now.Add(-6 * time.Minute) // past the 5 m lookback: a backfill writes no staleness marker
	replaced := now.Add(-15 * time.Minute) // past the down-instance read of a 10 m window, within the 20 m vanish lookback
	const a, b, c = `instance="gw-a:8082",job="gateway"`, `instance="gw-b:8082",job="gateway"`, `instance="gw-c:8082",job="gateway"`
	always := func(time.Time) bool { return true }
	before := func(t0 time.Time) func(time.Time) bool { return func(ts time.Time) bool { return ts.Before(t0) } }
	since := func(t0 time.Time) func(time.Time) bool { return func(ts time.Time) bool { return !ts.Before(t0) } }
	type series struct {
		name, target string
		value        float64
		at           func(time.Time) bool
	}
	counted := []series{
		{"f.openfaas-fn", a, 3, before(restarted)}, {"f.openfaas-fn", b, 1, always},
		{"g.openfaas-fn", a, 2, always}, {"g.openfaas-fn", b, 2, always},
		{"q", a, 4, before(restarted)}, {"q.openfaas-fn", a, 1, since(restarted)},
		{"h.openfaas-fn", c, 5, before(replaced)}, {"h.openfaas-fn", b, 1, always},
		{"k.openfaas-fn", c, 5, before(replaced)},
	}
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		for _, m := range []string{promql.MetricStarted, metricTotal} {
			fmt.Fprintf(w, "# TYPE %s unknown\n", m)
			for _, s := range counted {
				code := ""
				if m == metricTotal {
					code = `code="200",`
				}
				for ts := start; !ts.After(end); ts = ts.Add(scrape) {
					if s.at(ts) {
						fmt.Fprintf(w, "%s{%sfunction_name=%q,%s} %g %d\n", m, code, s.name, s.target, s.value, ts.Unix())
					}
				}
			}
		}
		fmt.Fprintf(w, "# TYPE %s gauge\n", metricProcessStart)
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			began := start.Add(-time.Hour)
			if !ts.Before(restarted) {
				began = restarted.Add(-2 * time.Second)
			}
			fmt.Fprintf(w, "%s{%s} %d %d\n", metricProcessStart, a, began.Unix(), ts.Unix())
			fmt.Fprintf(w, "%s{%s} %d %d\n", metricProcessStart, b, start.Add(-time.Hour).Unix(), ts.Unix())
			if ts.Before(replaced) {
				fmt.Fprintf(w, "%s{%s} %d %d\n", metricProcessStart, c, start.Add(-time.Hour).Unix(), ts.Unix())
			}
		}
		fmt.Fprintln(w, "# TYPE up gauge")
		for ts := start; !ts.After(end); ts = ts.Add(scrape) {
			fmt.Fprintf(w, "up{%s} 1 %d\n", a, ts.Unix())
			fmt.Fprintf(w, "up{%s} 1 %d\n", b, ts.Unix())
			if ts.Before(replaced) {
				fmt.Fprintf(w, "up{%s} 1 %d\n", c, ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
	const window = 10 * time.Minute
	act, err := src.Activity(context.Background(), window)
	if err != nil {
		t.Fatal(err)
	}
	if !act.Covered {
		t.Fatalf("window not covered (%s): the test's history is wrong", act.Uncovered)
	}
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }
	f := ref("f")
	if !act.Vanished[f] {
		n, ok := act.Started[f]
		t.Errorf("f, gone from gw-a (restarted in place 6m ago, up throughout) and still on gw-b: started %v (present %v), covered %v, vanished %v over %s; want vanished (unknown, not idle)",
			n, ok, act.Covered, act.Vanished[f], window)
	}
	for _, name := range []string{"g", "q", "h"} {
		if act.Vanished[ref(name)] {
			t.Errorf("%s vanished, want not: its series are where they were (g), under its other name (q), or gone only with a replaced replica (h)", name)
		}
	}
	if !act.Vanished[ref("k")] {
		t.Errorf("k, whose only replica was replaced 15m ago, not vanished: want vanished (no series anywhere now)")
	}
}
