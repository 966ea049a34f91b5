package embedded

import (
	"context"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// allocatedBy is the bytes allocated while f runs.
func allocatedBy(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReview50ManySeriesOfOneFunctionCostLinearBytes: function.add grows
// a function's series array by two, copying it each time, and findFrom
// falls back to a linear find for each new series, so a page listing n
// series of one function (codes, or an instance/pod label: anything but
// function_name makes a series) costs O(n²) bytes and time on its first
// scrape, all of it under the source's lock (every Load and Activity
// waits). 3,000 series (a 150 kB page; MaxBodyBytes allows a million)
// allocate ~250 MB, against ~1 MB for the same samples spread over 3,000
// functions; 40,000 would be ~40 GB. The package bounds the n² label cost
// of the parser (maxLabels) for the same reason; this one is unbounded.
// Expected: about the same bytes either way (geometric growth past a
// handful of series).
func TestReview50ManySeriesOfOneFunctionCostLinearBytes(t *testing.T) {
	const n = 3000
	one := make([]Sample, n)
	spread := make([]Sample, n)
	for i := range n {
		one[i] = Sample{Metric: MetricTotal, FunctionName: "a", Code: itoa(i), Value: 1}
		spread[i] = Sample{Metric: MetricTotal, FunctionName: "f" + itoa(i), Code: "200", Value: 1}
	}
	clk1, src1 := newSecondSource(t)
	clk2, src2 := newSecondSource(t)
	oneBytes := allocatedBy(func() { src1.Observe(clk1.t, one) })
	spreadBytes := allocatedBy(func() { src2.Observe(clk2.t, spread) })
	if oneBytes > 8*spreadBytes+(8<<20) {
		t.Errorf("one scrape of %d series of one function allocated %d MB; the same samples over %d functions %d MB: quadratic in a function's series",
			n, oneBytes>>20, n, spreadBytes>>20)
	}
}

// TestReview50ANaNCounterValueIsNotARestart: a counter whose value is NaN
// in one scrape (present on the page, its value unusable) is taken as
// absent from it (ingest), and its next valid value then as a new
// incarnation counting its whole value (series.add): 1,000 invocations of
// a counter that never moved. The whole-value rule is reasoned from a
// gateway restart re-creating the series at its first call, which a series
// still on the page with an unusable value is not. Prometheus' rate and
// increase over the same samples (1000, NaN, 1000) read 0; here 1000 in a
// 10 s window: rps 100/s and 1,000 starts for a function never called
// (a scale-up to max, and an idle function kept up). Expected: the NaN
// scrape skipped for the counter's arithmetic (0, as Prometheus), or the
// function missing; never the whole counter.
func TestReview50ANaNCounterValueIsNotARestart(t *testing.T) {
	clk, src := newSecondSource(t)
	t0 := clk.t
	for i := range 30 {
		v := 1000.0
		if i == 24 {
			v = math.NaN()
		}
		src.Observe(t0.Add(time.Duration(i)*time.Second), []Sample{
			{Metric: MetricStarted, FunctionName: "a", Value: v},
			{Metric: MetricTotal, FunctionName: "a", Code: "200", Value: v},
		})
	}
	clk.t = t0.Add(29*time.Second + 500*time.Millisecond)
	ctx := context.Background()
	rps, err := src.Load(ctx, metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := rps[fnRef("a")]; ok && v != 0 {
		t.Errorf("rps over 10s of a counter at 1000 throughout (one scrape NaN) = %v; want 0 or missing", v)
	}
	act, err := src.Activity(ctx, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := act.Started[fnRef("a")]; ok && v != 0 {
		t.Errorf("started over 10s of a counter at 1000 throughout (one scrape NaN) = %v; want 0 or missing", v)
	}
}
