package embedded

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestGaugeKeptForTheCapacityWindow: once capacity is asked, the in-flight
// gauge keeps the longest capacity window's points, not the retention's
// (a busy function's gauge changes at every scrape: hours of points no
// read asks for); and every capacity reading over the windows asked is
// still the peak of the gauge's whole history (the test keeps it), through
// random gauges that vanish and come back, at every scrape.
func TestGaugeKeptForTheCapacityWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rnd := rand.New(rand.NewPCG(36, 12))
		cfg := DefaultConfig()
		cfg.Interval = 5 * time.Second
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		const n = 6
		type sample struct {
			t int64
			v float64 // NaN: absent
		}
		hist := make([][]sample, n) // every scrape's gauge, by function
		fns := make([]provider.Function, n)
		for i := range fns {
			fns[i].Ref = provider.Ref{Name: fmt.Sprintf("f%d", i), Namespace: DefaultNamespace}
		}
		// peakOf is the highest value of function i's gauge in effect in
		// [from, to], from every scrape.
		peakOf := func(i int, from, to int64) (float64, bool) {
			var m float64
			var ok bool
			for k, s := range hist[i] {
				last := k+1 == len(hist[i]) || hist[i][k+1].t > from // in effect at from or later
				if s.t <= to && last && !math.IsNaN(s.v) && (!ok || s.v > m) {
					m, ok = s.v, true
				}
			}
			return m, ok
		}
		windows := []time.Duration{10 * time.Second, time.Minute}
		var out []metricsource.Reading
		for scrape := range 600 { // 50 minutes, past the 30-minute retention
			now := time.Now()
			var samples []Sample
			for i := range fns {
				v := float64(rnd.IntN(5))
				if i == 0 || rnd.IntN(12) != 0 { // f0 always there: the busy one
					samples = append(samples, Sample{Metric: MetricInflight, FunctionName: fns[i].Ref.Name, Value: v})
				} else {
					v = math.NaN()
				}
				hist[i] = append(hist[i], sample{now.UnixNano(), v})
			}
			src.Observe(now, samples)
			for _, w := range windows {
				out, err = src.LoadAligned(t.Context(), metricsource.LoadQuery{Type: metricsource.TypeCapacity, Window: w}, fns, out)
				if err != nil {
					if scrape > 1 {
						t.Fatalf("scrape %d, window %s: %v", scrape, w, err)
					}
					continue
				}
				for i := range fns {
					v, has := peakOf(i, now.UnixNano()-w.Nanoseconds(), now.UnixNano())
					want := metricsource.Reading{Value: v, Has: has}
					if has {
						want.Part = metricsource.PartGauge
					}
					if out[i] != want {
						t.Fatalf("scrape %d, window %s, %s: %+v, the gauge's history says %+v", scrape, w, fns[i].Ref, out[i], want)
					}
				}
			}
			time.Sleep(cfg.Interval)
		}
		fn := src.st.fns[fns[0].Ref]
		if got, most := len(fn.series[0].pts), int(time.Minute/cfg.Interval)+2; got > most {
			t.Errorf("the busy gauge holds %d points after 50 minutes, want at most %d (one capacity window's)", got, most)
		}
	})
}
