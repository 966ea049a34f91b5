package prometheus

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestReview51KCapacityAfterTheScrapeIntervalShortened: the gateway was
// scraped every 15 s for
// 20 minutes, then Prometheus was reconfigured to scrape it every 5 s,
// a minute ago. The source learns the interval as the median gap of the last
// 5 minutes (lastscrape.go readLastScrape/medianGap): 14 gaps of 15 s
// against 12 of 5 s, so it still reads 15 s, and it keeps that for up to
// another minute (phaseTTL). capacityStep then steps the subquery at 15 s
// over samples 5 s apart, and interval.go's promise ("the step is never
// longer than the interval read ..., so no sample is skipped") holds only
// for the stale interval: two samples in three are skipped. A function
// (an older gateway: the in-flight gauge alone) with 10 requests in flight
// at one 5 s scrape 10 to 25 s ago reads a 60 s capacity peak of 0: a scale-down
// on a load of 10. Expected: the peak is at least 10 (every sample of the
// window is seen), e.g. by taking the interval from the newest gaps, or the
// shortest recent one, rather than the median over 5 minutes.
func TestReview51KCapacityAfterTheScrapeIntervalShortened(t *testing.T) {
	const slow, fast = 15 * time.Second, 5 * time.Second
	now := time.Now().Truncate(fast) // the last scrape
	switched := now.Add(-time.Minute)
	// 5 s past a multiple of 15 s (the 15 s steps' grid), 10 to 25 s ago:
	// between two steps, the next sample (0) read at the step after it.
	spike := now.Add(-10 * time.Second)
	for (spike.Unix()-5)%15 != 0 {
		spike = spike.Add(-fast)
	}
	var times []time.Time
	for ts := switched.Add(-80 * slow); ts.Before(switched); ts = ts.Add(slow) {
		times = append(times, ts)
	}
	for ts := switched; !ts.After(now); ts = ts.Add(fast) {
		times = append(times, ts)
	}
	p := startBackfilled(t, openMetrics(func(w *bufio.Writer) {
		fmt.Fprintln(w, "# TYPE up gauge")
		for _, ts := range times {
			fmt.Fprintf(w, "up{instance=\"10.0.0.5:8082\",job=\"gateway\"} 1 %d\n", ts.Unix())
		}
		fmt.Fprintln(w, "# TYPE gateway_function_invocation_inflight gauge")
		for _, ts := range times {
			v := 0
			if ts.Equal(spike) {
				v = 10
			}
			fmt.Fprintf(w, "gateway_function_invocation_inflight{function_name=\"busy.openfaas-fn\",instance=\"10.0.0.5:8082\",job=\"gateway\"} %d %d\n", v, ts.Unix())
		}
	}))
	src := gatewaySource(t, p, nil)
	src.scrapeInterval(t.Context()) // starts the read
	src.phase.done.Wait()
	if time.Since(now) > 30*time.Second {
		t.Skip("too slow to start: the spike's phase against the steps has moved")
	}
	interval := src.scrapeInterval(t.Context())
	v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	busy := provider.Ref{Name: "busy", Namespace: "openfaas-fn"}
	if got, ok := v[busy]; !ok || got < 10 {
		t.Errorf("capacity over 60s = %v (present %v) with 10 in flight at the scrape %s ago (scraped every 5s for 60s, every 15s before; interval read %s); want at least 10", got, ok, now.Sub(spike), interval)
	}
}
