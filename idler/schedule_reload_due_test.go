package idler

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// lateFirstTick is the bubble's clock whose first ticker never fires: Run,
// waiting for its schedule's first slot, sees a reload made at that slot's
// instant before its tick, the order select picks at random when both are
// ready at once.
type lateFirstTick struct {
	mu      sync.Mutex
	tickers int
}

func (c *lateFirstTick) Now() time.Time { return time.Now() }

func (c *lateFirstTick) NewTicker(d time.Duration) clock.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tickers++
	if c.tickers == 1 {
		return silentTicker{}
	}
	return clock.Real().NewTicker(d)
}

type silentTicker struct{}

func (silentTicker) C() <-chan time.Time { return nil }
func (silentTicker) Stop()               {}

// TestAReloadAtTheDueInstantKeepsTheCycle: a reload that changes
// idler.schedule at the very instant the old schedule's run is due (its
// timer and the reload ready at once) ran no cycle there: Run took the
// reload, and the new schedule's Next, strictly after now, moved past the
// slot, though both schedules hold it ("*/2 * * * *" → "* * * * *" at
// 00:02): the idler's cycle came a minute late. The slot reached is run.
//
// Seen failing before the fix: 0 cycles at 00:02 (the first at 00:03).
func TestAReloadAtTheDueInstantKeepsTheCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now() // 2000-01-01 00:00:00 UTC in a bubble
		p := newTestProvider(t, memory.Options{}, function("idle", 1, start.Add(-time.Hour), optIn(LabelZeroDuration, "2m")))
		d, err := New(Config{Provider: p, Actuator: newActuator(t, p, false), Source: newFakeSource(start),
			Clock: &lateFirstTick{}, Schedule: "*/2 * * * *", Registerer: prometheus.NewRegistry()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { _ = d.Run(ctx) })
		defer func() { cancel(); wg.Wait() }()
		time.Sleep(2 * time.Minute) // the old schedule's slot, 00:02
		if err := d.SetTuning(d.cfg.Defaults, false, DefaultRefusedBackoff, "* * * * *"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if runs := testutil.ToFloat64(d.m.runs.WithLabelValues("ok")); runs != 1 {
			t.Errorf("reload from %q to %q at 00:02, the old slot: %v cycles at 00:02, want 1", "*/2 * * * *", "* * * * *", runs)
		}
	})
}
