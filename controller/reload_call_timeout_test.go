package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// slowList is a provider whose listings take 20s (honouring the context).
type slowList struct{ *memory.Provider }

func (s slowList) Functions(ctx context.Context, ns string) ([]provider.Function, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Second):
	}
	return s.Provider.Functions(ctx, ns)
}

// TestAReloadedCallTimeoutReachesTheIdler: actuator.call_timeout ("Bound
// on each provider call") is also the idler's bound on its provider
// listings and activity queries. Raised by a reload because the provider
// is slow, it must bound the idler's next listing too, not only the
// actuator's calls (the idler kept the value it was started with, and the
// reload named no key restart-only).
//
// Seen failing before the fix (found by a review):
// reload_call_timeout_test.go:65: after reloading actuator.call_timeout 10s
// → 1m (restart-only keys named: []), an idler listing taking 20s fails:
// list functions in openfaas-fn: context deadline exceeded
func TestAReloadedCallTimeoutReachesTheIdler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Actuator.CallTimeout = 10 * time.Second
		mem := memory.New(clock.Real(), memory.Options{})
		if err := mem.Deploy(provider.Function{Ref: ref("api"), Replicas: 1, CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		src, err := embedded.New(embedded.DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		ctl, err := New(cfg, Wiring{Namespaces: []string{ns}}, Deps{Provider: slowList{mem}, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		if rep := ctl.Idler.RunOnce(t.Context(), time.Now()); rep.Err == nil {
			t.Fatal("control: with actuator.call_timeout 10s, an idler listing taking 20s succeeded")
		}
		next := cfg
		next.Actuator.CallTimeout = time.Minute
		restart, err := ctl.Reload(next)
		if err != nil {
			t.Fatal(err)
		}
		rep := ctl.Idler.RunOnce(t.Context(), time.Now())
		if rep.Err != nil {
			t.Errorf("after reloading actuator.call_timeout 10s → 1m (restart-only keys named: %v), an idler listing taking 20s fails: %v",
				restart, rep.Err)
		}
	})
}
