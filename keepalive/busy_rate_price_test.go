package keepalive

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestBusyHoursArePricedAtTheirInvocationRate: the cold start's
// price is ColdStartWorth × max(1, WorthRate / the function's own invocation
// rate per hour) (docs/sim.md, "The adaptive keep-alive"; Config.WorthRate:
// "a function invoked r times an hour"). A function busy for an hour (a call
// every 15 s learning step, 240 calls) and then idle for 3–8 hours is
// invoked about 35 times an hour, above WorthRate (10), so it must be priced
// at the fleet's price, as with WorthRate off. Learned as the feeder learns
// (ObserveCount at 15 s), only the calls that end an idle time are counted in
// the rate (one per cycle: ~0.2 an hour), the price is ~55 times the fleet's,
// and the plan pays about an hour of idle replica time per cycle to spare one
// call in 240 a cold start.
//
// Seen failing before the fix: "got pre_warm (keep 0s, zero, pre-warm
// 4h47m24s–7h55m3s …), want zero_now".
func TestBusyHoursArePricedAtTheirInvocationRate(t *testing.T) {
	learn := func(cfg Config) (Plan, float64) {
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ref := provider.Ref{Name: "f", Namespace: "fn"}
		rng := rand.New(rand.NewPCG(7, 8))
		step := 15 * time.Second
		now, calls := t0, 0
		for cycle := 0; cycle < 14; cycle++ {
			for range 240 { // a busy hour: a call in every learning step
				now = now.Add(step)
				p.ObserveCount(ref, now, step, 1)
				calls++
			}
			now = now.Add(3*time.Hour + time.Duration(rng.Int64N(int64(5*time.Hour))))
		}
		plan, _ := p.Plan(ref, 15*time.Minute, now)
		return plan, float64(calls) / now.Sub(t0).Hours()
	}
	got, rate := learn(Default())
	off := Default()
	off.WorthRate = -1 // one price for all: the fleet's
	want, _ := learn(off)
	if rate < 2*Default().WorthRate {
		t.Fatalf("test setup: %.1f calls an hour, want well above WorthRate", rate)
	}
	if got.Code != want.Code || got.KeepAlive != want.KeepAlive || got.PreWarmAt != want.PreWarmAt || got.PreWarmUntil != want.PreWarmUntil {
		t.Errorf("a function called %.0f times an hour (above WorthRate %g) is priced above the fleet's price:\n got  %s (%s)\n want %s (%s)",
			rate, Default().WorthRate, got.Code, got.Reason, want.Code, want.Reason)
	}
}
