package embedded

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// histogramScrape is one scrape of function a: its in-flight gauge (omitted
// when inflight < 0) and its duration histogram's sum and count.
func histogramScrape(inflight, sum, count float64) []Sample {
	out := []Sample{
		{Metric: MetricSecondsSum, FunctionName: "a", Code: "200", Value: sum},
		{Metric: MetricSecondsCount, FunctionName: "a", Code: "200", Value: count},
	}
	if inflight >= 0 {
		out = append(out, Sample{Metric: MetricInflight, FunctionName: "a", Value: inflight})
	}
	return out
}

// capacityAt is the capacity load over window at the source's clock.
func capacityAt(t *testing.T, src *Source, window time.Duration) (float64, bool) {
	t.Helper()
	v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: window})
	if err != nil {
		t.Fatalf("capacity over %s: %v", window, err)
	}
	got, ok := v[fnRef("a")]
	return got, ok
}

// TestCapacitySeesBurstsBetweenScrapes: the in-flight gauge reads 0 at every
// scrape, but requests ended between two of them; the capacity load is the
// interval's average concurrency (seconds ÷ interval), capped by the
// requests that ended in it, and the first scrape's totals are no interval.
func TestCapacitySeesBurstsBetweenScrapes(t *testing.T) {
	for _, inflight := range []float64{0, -1} { // with the gauge at 0, and a gateway without it (OpenFaaS CE)
		clk, src := newSecondSource(t)
		t0 := clk.t
		at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
		// Second 0: the gateway has served 10 requests for 1,000 s before
		// the source started. Seconds 1–3: nothing. Second 4: 40 requests
		// of 0.1 s ended since second 3 (4 s over 1 s: 4 in flight on
		// average). Seconds 5–6: nothing. Second 7: one request of 30 s
		// ended (30 s of work in 1 s, but it was one request).
		sum, count := 1000.0, 10.0
		for s := 0; s <= 9; s++ {
			switch s {
			case 4:
				sum, count = sum+4, count+40
			case 7:
				sum, count = sum+30, count+1
			}
			src.Observe(at(s), histogramScrape(inflight, sum, count))
		}
		check := func(now int, window time.Duration, want float64) {
			t.Helper()
			clk.t = at(now).Add(500 * time.Millisecond)
			got, ok := capacityAt(t, src, window)
			if !ok || got != want {
				t.Errorf("inflight %v: capacity at %d.5 s over %s = %v (present %v), want %v", inflight, now, window, got, ok, want)
			}
		}
		check(3, 3*time.Second, 0)  // the first scrape's 1,000 s are history, not load
		check(4, 2*time.Second, 4)  // the burst between seconds 3 and 4
		check(6, time.Second, 0)    // after it (a window holds the value in effect at its start)
		check(7, 2*time.Second, 1)  // the 30 s request counts as one, not thirty
		check(9, 10*time.Second, 4) // the peak over the whole history
		check(9, 1500*time.Millisecond, 0)
	}
}

// TestBusyIsTheLargerOfGaugeAndAverage: a request still running shows in the
// gauge, not yet in the histogram; the capacity load takes the larger.
func TestBusyIsTheLargerOfGaugeAndAverage(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	src.Observe(t0, histogramScrape(0, 0, 0))
	src.Observe(t0.Add(time.Second), histogramScrape(6, 2, 20)) // 6 running now, 2 in flight on average
	clk.t = t0.Add(1500 * time.Millisecond)
	if got, _ := capacityAt(t, src, time.Second); got != 6 {
		t.Fatalf("capacity = %v, want the gauge's 6", got)
	}
	src.Observe(t0.Add(2*time.Second), histogramScrape(1, 9, 40)) // 1 running, 7 on average
	clk.t = t0.Add(2500 * time.Millisecond)
	if got, _ := capacityAt(t, src, time.Second); got != 7 {
		t.Fatalf("capacity = %v, want the average's 7", got)
	}
}

// TestBusyAcrossAResetAndSeveralCodes: the histogram's series per code add
// up, and a gateway restart (counters back near 0) counts from 0, as rate()
// does, rather than as a negative load.
func TestBusyAcrossAResetAndSeveralCodes(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	scrape := func(s int, ok, failed [2]float64) {
		src.Observe(t0.Add(time.Duration(s)*time.Second), []Sample{
			{Metric: MetricSecondsSum, FunctionName: "a", Code: "200", Value: ok[0]},
			{Metric: MetricSecondsCount, FunctionName: "a", Code: "200", Value: ok[1]},
			{Metric: MetricSecondsSum, FunctionName: "a", Code: "500", Value: failed[0]},
			{Metric: MetricSecondsCount, FunctionName: "a", Code: "500", Value: failed[1]},
		})
	}
	scrape(0, [2]float64{100, 100}, [2]float64{10, 10})
	scrape(1, [2]float64{102, 110}, [2]float64{11, 12}) // 2 s + 1 s of work in 1 s: 3
	clk.t = t0.Add(1500 * time.Millisecond)
	if got, _ := capacityAt(t, src, time.Second); got != 3 {
		t.Fatalf("two codes: capacity = %v, want 3", got)
	}
	scrape(2, [2]float64{0.5, 5}, [2]float64{0, 0}) // restarted: 0.5 s of work since
	scrape(3, [2]float64{0.5, 5}, [2]float64{0, 0})
	clk.t = t0.Add(3500 * time.Millisecond) // [2.5, 3.5]: the reset's interval is in effect at 2.5
	if got, _ := capacityAt(t, src, time.Second); got != 0.5 {
		t.Fatalf("after a reset: capacity = %v, want 0.5", got)
	}
}

// TestParseReadsTheDurationHistogram: the gateway's histogram gives its sum
// and count per series, typed or (without a TYPE line) untyped.
func TestParseReadsTheDurationHistogram(t *testing.T) {
	want := []Sample{
		{Metric: MetricSecondsSum, FunctionName: "figlet.openfaas-fn", Code: "200", Value: 3.5},
		{Metric: MetricSecondsCount, FunctionName: "figlet.openfaas-fn", Code: "200", Value: 7},
	}
	typed := `# TYPE gateway_functions_seconds histogram
gateway_functions_seconds_bucket{code="200",function_name="figlet.openfaas-fn",le="0.5"} 6
gateway_functions_seconds_bucket{code="200",function_name="figlet.openfaas-fn",le="+Inf"} 7
gateway_functions_seconds_sum{code="200",function_name="figlet.openfaas-fn"} 3.5
gateway_functions_seconds_count{code="200",function_name="figlet.openfaas-fn"} 7
`
	untyped := `gateway_functions_seconds_sum{code="200",function_name="figlet.openfaas-fn"} 3.5
gateway_functions_seconds_count{code="200",function_name="figlet.openfaas-fn"} 7
`
	for name, body := range map[string]string{"typed": typed, "untyped": untyped} {
		got, err := parse(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: samples (-want +got):\n%s", name, diff)
		}
	}
}
