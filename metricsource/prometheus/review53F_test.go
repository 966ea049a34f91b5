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

// TestReview53FStartedTotalsOfAGatewayWithoutProcessMetricsBackAfterAnUnscrapedSpanAreLate:
// TestStartedTotalsOfAGatewayBackRestartedAfterAnUnscrapedSpanAreLate's
// no-restart case on a gateway whose process metrics are not stored (a
// scrape config keeping gateway_* only; nameKey/epochKey's "0: unknown, a
// gateway without process metrics"). The source read that gateway's
// counters at every read before the 20-minute unscraped span, so it knows
// when it last read the instance (Total.GatewaySeen: "when the source last
// read the series' gateway instance before this read"); a function first
// called through it meanwhile ("fresh") made its call somewhere in the
// span and must count late, as "cron"'s held series does.
func TestReview53FStartedTotalsOfAGatewayWithoutProcessMetricsBackAfterAnUnscrapedSpanAreLate(t *testing.T) {
	const every = 15 * time.Second
	now := time.Now().Truncate(every)
	start := now.Add(-40 * time.Minute)
	gapFrom, gapTo := now.Add(-30*time.Minute), now.Add(-10*time.Minute)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if !ts.Before(gapFrom) && ts.Before(gapTo) {
				continue // not scraped
			}
			n := 5
			if !ts.Before(gapTo) {
				n = 6 // the call in the span
				fmt.Fprintf(w, "%s{function_name=\"fresh.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
			}
			fmt.Fprintf(w, "%s{function_name=\"cron.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", promql.MetricStarted, n, ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	d := metricsource.TotalsDiff{Late: 4, LateSpan: 4 * every, LateAfterBase: true}
	counted := map[provider.Ref]metricsource.Count{}
	var seen []int64
	for at := gapFrom.Add(-2 * time.Minute); !at.After(gapTo.Add(time.Minute)); at = at.Add(every) {
		tot, err := src.StartedTotals(context.Background(), at, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tot {
			if c.Ref.Name == "fresh" && len(seen) == 0 {
				seen = append(seen, c.GatewaySeen)
			}
		}
		for _, c := range d.Add(tot, at, nil) {
			k := counted[c.Ref]
			counted[c.Ref] = metricsource.Count{Ref: c.Ref, N: k.N + c.N, Late: k.Late || c.Late}
		}
	}
	for _, name := range []string{"cron", "fresh"} {
		c := counted[provider.Ref{Name: name, Namespace: "openfaas-fn"}]
		if c.N != 1 || !c.Late {
			t.Errorf("%s counted %+v after the unscraped span, want 1 call, late (fresh's first Total had GatewaySeen %v)", name, c, seen)
		}
	}
}

// TestReview53FStartedTotalsOfAGatewayBackAfterAnUnscrapedSpanAreLateBeside4096OtherTargets:
// startTimesQuery reads every scrape target's process start time, not the
// gateways' alone, and startEpochs holds at most maxEpochs (4,096)
// instances, dropping those missing longest first. In a Prometheus that
// scrapes 4,100 other targets (node exporters, kubelets, annotated pods: a
// large cluster's), the gateway not scraped for 20 minutes is the one
// missing longest, so it is dropped at the first read without it; back, it
// is a stranger, its GatewaySeen 0, and "fresh" (first called through it
// in the span) counts on time: its call, made anywhere in the span, ends
// an idle time at the read nobody saw, the defect GatewaySeen was added for.
func TestReview53FStartedTotalsOfAGatewayBackAfterAnUnscrapedSpanAreLateBeside4096OtherTargets(t *testing.T) {
	const every = 15 * time.Second
	const others = maxEpochs + 4
	now := time.Now().Truncate(every)
	gapFrom, gapTo := now.Add(-30*time.Minute), now.Add(-10*time.Minute)
	start := gapFrom.Add(-8 * time.Minute)
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		scraped := func(ts time.Time) bool { return ts.Before(gapFrom) || !ts.Before(gapTo) }
		fmt.Fprintf(w, "# TYPE %s unknown\n", promql.MetricStarted)
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if !scraped(ts) {
				continue
			}
			n := 5
			if !ts.Before(gapTo) {
				n = 6
				fmt.Fprintf(w, "%s{function_name=\"fresh.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", promql.MetricStarted, ts.Unix())
			}
			fmt.Fprintf(w, "%s{function_name=\"cron.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", promql.MetricStarted, n, ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE process_start_time_seconds gauge")
		for ts := start; !ts.After(now); ts = ts.Add(every) {
			if scraped(ts) {
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", start.Add(-time.Hour).Unix(), ts.Unix())
			}
			for i := range others {
				fmt.Fprintf(w, "process_start_time_seconds{instance=\"node-%d:9100\",job=\"node\"} %d %d\n", i, start.Add(-2*time.Hour).Unix(), ts.Unix())
			}
		}
	}))
	src := gatewaySource(t, p, nil)
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
			t.Errorf("%s counted %+v after the unscraped span beside %d other targets, want 1 call, late", name, c, others)
		}
	}
}
