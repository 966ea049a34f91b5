package embedded

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// rebasedGateway is review52T's gateway: replica A, idle, until 4 s; from
// 5 s replica B (started before A's last page: procRebased), busy, 10 calls
// of 0.5 s a second. With gauge, each page also has the in-flight gauge
// (A: 0, B: 5).
func rebasedGateway(gauge bool) *fakeGateway {
	scraped0 := float64(time.Now().Unix())
	return &fakeGateway{t0: time.Now(), render: func(el time.Duration, b *strings.Builder) {
		start, calls, inflight := scraped0-7200+0.25, 40.0, 0.0
		if el >= 5*time.Second {
			start = scraped0 - 60 + 0.81
			calls = 5000 + 10*(el-4*time.Second).Seconds()
			inflight = 5
		}
		b.WriteString("process_start_time_seconds " + strconv.FormatFloat(start, 'f', 2, 64) + "\n")
		counter(b, MetricStarted, "f", "", calls)
		counter(b, MetricTotal, "f", "200", calls)
		fmt.Fprintf(b, "gateway_functions_seconds_sum{code=%q,function_name=%q} %g\n", "200", "f", calls*0.5)
		fmt.Fprintf(b, "gateway_functions_seconds_count{code=%q,function_name=%q} %g\n", "200", "f", calls)
		if gauge {
			fmt.Fprintf(b, "%s{function_name=%q} %g\n", MetricInflight, "f", inflight)
		}
	}}
}

// TestReview52YLoadsAlignedPairIsMissingOverARebasedStepAsLoadAlignedIs:
// LoadsAligned "answers each of ws's windows of typ as LoadAligned would"
// (loads.go). 9c7369a made windowRead.of read a capacity window reaching
// before a rebased page as missing, but the scaler's pair (two capacity
// windows ending at one scrape) is read by function.peaks, which never
// looks at store.rebased: the same window reads missing through Load /
// LoadAligned and present (the arrivals' step before the rebase: 0 here,
// a busy function read idle) through LoadsAligned, the scaler's path.
func TestReview52YLoadsAlignedPairIsMissingOverARebasedStepAsLoadAlignedIs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := startSource(t, rebasedGateway(false))
		advance(5*time.Second + 500*time.Millisecond) // B's first page at 5 s
		fns := []provider.Function{{Ref: fnRef("f")}}
		ctx := context.Background()
		single := map[time.Duration]metricsource.Reading{}
		for _, w := range []time.Duration{2 * time.Second, time.Second} {
			r, err := src.LoadAligned(ctx, metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: w}, fns, nil)
			if err != nil {
				t.Fatal(err)
			}
			single[w] = r[0]
		}
		ws := []metricsource.WindowReadings{{Window: 2 * time.Second}, {Window: time.Second}}
		src.LoadsAligned(ctx, metricsource.TypeCapacity, fns, ws)
		for _, w := range ws {
			if w.Err != nil {
				t.Fatalf("LoadsAligned %s: %v", w.Window, w.Err)
			}
			if got, want := w.R[0], single[w.Window]; got != want {
				t.Errorf("capacity over %s across B's rebased page: LoadsAligned %+v, LoadAligned %+v; want the same (missing: the calls up to the rebase are unknown)", w.Window, got, want)
			}
		}
	})
}

// TestReview52YGaugeCapacityOverARebasedStepIsKnown: a function with the
// in-flight gauge. A rebase makes the counters' increase up to it unknown
// (store.rebased), not the gauge: the gauge's readings around it are
// known (A: 0 at 4 s, B: 5 at 5 s), and capacity is the larger of the
// gauge's peak and the arrivals', "either absent" the other (the
// Prometheus source, largerOf). Before 9c7369a a capacity window over the
// rebased page read the gauge's 5; now windowRead.of returns missing before
// looking at any series, for every function, gauge or not, for a whole
// capacity window after each rebase: a function with 5 calls in flight
// has no capacity reading.
func TestReview52YGaugeCapacityOverARebasedStepIsKnown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := startSource(t, rebasedGateway(true))
		advance(5*time.Second + 500*time.Millisecond)
		v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := v[fnRef("f")]; !ok || got < 4.9 {
			t.Errorf("capacity over [3.5 s, 5.5 s] of a function whose gauge reads 5 at 5 s: %v (present %v); want 5 from the gauge", got, ok)
		}
	})
}
