package controller

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/config"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestLearnedKeepAliveCoversGapsInsideAMinute: a function called twice a
// minute, at :05 and :55, is never idle for more than 50 s. The assembly's
// feeder must learn that gap: read once a minute, the two calls look 30 s
// apart, the plan keeps the replica ~33 s, and the function goes cold
// before every :55 call (what the 200-function day showed for functions
// called every minute). Read at keep_alive.learn_step, the 50 s gap is
// seen and kept warm.
func TestLearnedKeepAliveCoversGapsInsideAMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := config15s()
		ec := embedded.DefaultConfig()
		ec.Interval, ec.DefaultNamespace = 5*time.Second, ns
		src, err := embedded.New(ec)
		if err != nil {
			t.Fatal(err)
		}
		ctl, err := New(cfg, Wiring{}, Deps{Provider: memory.New(clock.Real(), memory.Options{}), Source: src})
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		go func() { _ = ctl.Learn(ctx) }()
		start := time.Now()
		var calls float64
		for now := start; now.Sub(start) < 40*time.Minute; now = now.Add(ec.Interval) {
			time.Sleep(time.Until(now))
			if s := int(now.Sub(start).Seconds()) % 60; s == 5 || s == 55 {
				calls++
			}
			src.Observe(time.Now(), []embedded.Sample{
				{Metric: embedded.MetricTotal, FunctionName: "timer", Code: "200", Value: calls},
				{Metric: embedded.MetricStarted, FunctionName: "timer", Value: calls},
			})
		}
		k, code := ctl.KeepAlive.KeepAlive(ref("timer"), cfg.Defaults.ZeroDuration, 1, time.Now())
		if k < 50*time.Second {
			t.Errorf("learned keep-alive %s (%s) after 40 min of calls 50 s and 10 s apart: shorter than the 50 s gap, so every :55 call is cold", k, code)
		}
	})
}

func config15s() config.Config {
	c := config.Default()
	c.KeepAlive.RebuildLookback = 0
	c.KeepAlive.LearnStep = 15 * time.Second
	return c
}
