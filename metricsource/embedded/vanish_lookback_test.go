package embedded

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// vanishClock is a settable clock.
type vanishClock struct{ t time.Time }

func (c *vanishClock) Now() time.Time                         { return c.t }
func (c *vanishClock) NewTicker(d time.Duration) clock.Ticker { return clock.Real().NewTicker(d) }

func vanishRef(name string) provider.Ref { return provider.Ref{Name: name, Namespace: "openfaas-fn"} }

// TestVanishedOnlyWithinTheLookback: metricsource.Activity.Vanished is
// "functions whose gateway series were seen within VanishLookback(Window)
// but are missing from the latest observation", and the Prometheus source
// asks exactly that (vanishedQuery over VanishLookback(window)). A gateway
// restart drops every function's counters; a function not called since
// must become idle-able one lookback later (5m10s for a 10s keep-alive).
// The embedded source reported it Vanished for as long as its history held
// the series: the whole retention (30 min by default, hours when any
// function has a long keep-alive), so the idler answered missing_data and
// kept the idle function's replicas for that long. Found by a review helper.
func TestVanishedOnlyWithinTheLookback(t *testing.T) {
	clk := &vanishClock{t: time.Unix(1_700_000_000, 0)}
	cfg := DefaultConfig()
	cfg.Interval, cfg.Clock = time.Second, clk // Retention: the default 30m
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.t
	const w = 10 * time.Second
	scrape := func(sec int, withGone bool) {
		s := []Sample{{Metric: MetricStarted, FunctionName: "other", Value: float64(sec)}}
		if withGone {
			s = append(s, Sample{Metric: MetricStarted, FunctionName: "gone", Value: 5})
		}
		clk.t = t0.Add(time.Duration(sec) * time.Second)
		src.Observe(clk.t, s)
	}
	for sec := 0; sec <= 20; sec++ {
		scrape(sec, true)
	}
	// The gateway restarts at 21 s: "gone" is not called again.
	lookback := metricsource.VanishLookback(w)
	last := 20 * time.Second
	for sec := 21; time.Duration(sec)*time.Second <= last+lookback+time.Minute; sec++ {
		scrape(sec, false)
		if sec%30 == 0 { // the idler's cycle
			act, err := src.Activity(context.Background(), w)
			if err != nil {
				t.Fatal(err)
			}
			// Within the lookback it is vanished: unknown, not idle.
			if in := time.Duration(sec)*time.Second - last; in < lookback-time.Minute && !act.Vanished[vanishRef("gone")] {
				t.Fatalf("%s after it was last seen (lookback %s): not vanished", in, lookback)
			}
		}
	}
	clk.t = clk.t.Add(500 * time.Millisecond)
	act, err := src.Activity(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	since := clk.t.Sub(t0.Add(last))
	if !act.Covered {
		t.Fatalf("not covered: %s", act.Uncovered)
	}
	if act.Vanished[vanishRef("gone")] {
		t.Fatalf("function last seen %s ago reads Vanished over a %s window (lookback %s): "+
			"want it no longer vanished after the lookback, as the Prometheus source answers", since, w, lookback)
	}
}
