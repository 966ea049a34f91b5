package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestStartedTotalsOfAGatewayBackRestartedAfterAnUnscrapedSpanAreLate: a
// gateway (10.0.0.5:8082) goes unscraped for 15 minutes and is restarted
// in place within them; its new process counted one call of "cron" by the
// time it is scraped again. Its series are named anew (the new start
// time, epochs.go), so the keep-alive's TotalsDiff has never held them:
// the call, made somewhere in the span, must be counted late (it ends no
// idle time at the read), as it is when the gateway comes back without a
// restart (its series held, missing from many reads). A function first
// called through the gateway meanwhile ("fresh", no restart) is the same.
func TestStartedTotalsOfAGatewayBackRestartedAfterAnUnscrapedSpanAreLate(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-40 * time.Minute)
	gapFrom, gapTo := now.Add(-30*time.Minute), now.Add(-10*time.Minute)
	for _, restarted := range []bool{false, true} {
		p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
			scraped := func(write func(ts time.Time)) {
				for ts := start; !ts.After(now); ts = ts.Add(every) {
					if ts.Before(gapFrom) || !ts.Before(gapTo) {
						write(ts)
					}
				}
			}
			fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
			scraped(func(ts time.Time) {
				n := 5
				if !ts.Before(gapTo) {
					n = 6 // the call in the span
					if restarted {
						n = 1
					}
					fmt.Fprintf(w, "%s{function_name=\"fresh.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
				}
				fmt.Fprintf(w, "%s{function_name=\"cron.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", promql.MetricStarted, n, ts.Unix())
			})
			fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
			scraped(func(ts time.Time) {
				began := start.Add(-time.Hour)
				if restarted && !ts.Before(gapTo) {
					began = gapFrom.Add(5 * time.Minute)
				}
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", began.Unix(), ts.Unix())
			})
		}))
		src := gatewaySource(t, p, nil)
		// The feeder's settings (keepalive/feed_totals.go) at a 15 s step.
		d := metricsource.TotalsDiff{Late: 4, LateSpan: 4 * every, LateAfterBase: true}
		counted := map[provider.Ref]metricsource.Count{}
		for at := gapFrom.Add(-2 * time.Minute); !at.After(gapTo.Add(time.Minute)); at = at.Add(every) {
			tot, err := src.StartedTotals(context.Background(), at, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range d.Add(tot, at, nil) {
				k := counted[c.Ref]
				counted[c.Ref] = metricsource.Count{Ref: c.Ref, N: k.N + c.N, Late: k.Late || c.Late}
			}
		}
		for _, name := range []string{"cron", "fresh"} {
			c := counted[provider.Ref{Name: name, Namespace: "openfaas-fn"}]
			if c.N != 1 || !c.Late {
				t.Errorf("restarted %v: %s counted %+v after the unscraped span, want 1 call, late", restarted, name, c)
			}
		}
	}
}

// TestStartedTotalsMadeAgainAtTheRebuildsEndSeeTheGatewayAtTheReadBefore:
// the keep-alive feeder's first step after a rebuild reads at the
// rebuild's end and then at now (readSplit); when the read at now fails,
// both are made again at the next step, and the diff never had the first
// read at the end. Made again, the read at the end reports the gateway
// last read before the unscraped span, not at the end (the read made
// again): reported at the end, TotalsDiff placed it at its base read, and
// a gateway missing from the base since long before looked read there, its
// new series' calls on time.
func TestStartedTotalsMadeAgainAtTheRebuildsEndSeeTheGatewayAtTheReadBefore(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	gapFrom, gapTo := now.Add(-30*time.Minute), now.Add(-10*time.Minute)
	start := gapFrom.Add(-5 * time.Minute)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if ts.Before(gapFrom) || !ts.Before(gapTo) {
				fmt.Fprintf(w, "%s{function_name=\"cron.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} 5 %d\n", promql.MetricStarted, ts.Unix())
			}
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if ts.Before(gapFrom) || !ts.Before(gapTo) {
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", start.Add(-time.Hour).Unix(), ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
	before, end := gapFrom.Add(-every), gapTo.Add(2*every)
	for _, c := range []struct {
		at   time.Time
		want time.Time
	}{{before, time.Time{}}, {end, before}, {end, before}, {end.Add(every), end}} {
		tot, err := src.StartedTotals(context.Background(), c.at, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := int64(0)
		if !c.want.IsZero() {
			want = c.want.UnixNano()
		}
		if len(tot) != 1 || tot[0].GatewaySeen != want {
			t.Fatalf("read at %s: %+v, want cron's gateway last seen at %s (%d)", c.at.Sub(now), tot, c.want.Sub(now), want)
		}
	}
}
