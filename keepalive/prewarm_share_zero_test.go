package keepalive

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestPreWarmShareZeroPlansNoPreWarm: keep_alive.prewarm_share 0 is
// documented as "never pre-warm" (docs/configuration.md). The planner did
// not know it: it still chose periodic / pre_warm plans that scale the
// function to zero right after each call and count on a pre-warm before the
// next one, which Due then never proposed. A timer every 10 minutes was
// cold on every call, though a keep-alive covering the period (11 min at
// the default 15 min cold_start_worth) pays for itself. Found by a review
// helper.
func TestPreWarmShareZeroPlansNoPreWarm(t *testing.T) {
	const period = 10 * time.Minute
	fallback := 15 * time.Minute
	for _, tc := range []struct {
		name   string
		reload bool
	}{{"configured at start", false}, {"reloaded to 0", true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			if !tc.reload {
				cfg.PreWarmShare = 0
			}
			p, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reload {
				if err := p.SetPrice(cfg.ColdStartWorth, 0); err != nil {
					t.Fatal(err)
				}
			}
			ref := provider.Ref{Name: "cron", Namespace: "openfaas-fn"}
			var last time.Time
			for i := range 30 {
				last = t0.Add(time.Duration(i) * period)
				p.Observe(ref, last)
			}
			next := last.Add(period)
			// A minute after the call: does the idler keep it?
			after := last.Add(time.Minute)
			k, why := p.KeepAlive(ref, fallback, 1, after)
			if k > after.Sub(last) {
				return // kept warm: fine
			}
			// Zeroed: only a pre-warm can avoid the next call's cold start.
			for at := after; at.Before(next); at = at.Add(10 * time.Second) {
				if due := p.Due(at, []provider.Ref{ref}, 0, fallback); len(due) > 0 {
					return
				}
			}
			plan, _ := p.Plan(ref, fallback, after)
			t.Errorf("prewarm_share 0: the timer is zeroed 1m after its call (keep-alive %s: %q) and never pre-warmed before its next call %s later: every call cold; plan %s: %s",
				k, why, period, plan.Code, plan.Reason)
		})
	}
}
