package keepalive

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestPreWarmSlotFreedWhenWarmFunctionGoes: a function pre-warmed by the
// loop and then deleted (or relabelled out of the auto opt-in) while still
// warm must not hold a pre-warm slot for ever. With the default share
// (0.25) and two functions known, one slot exists: once a's window is over,
// b's window must get it.
// Seen failing before the fix (found by a review): prewarm_gone_test.go:56: b's window, a deleted: pre-warmed [] (warm 1), want b: the pre-warm slot is still held by a
func TestPreWarmSlotFreedWhenWarmFunctionGoes(t *testing.T) {
	for _, change := range []string{"deleted", "opted-out"} {
		t.Run(change, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				prov := memory.New(clock.Real(), memory.Options{})
				a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
				b := provider.Ref{Name: "b", Namespace: "openfaas-fn"}
				prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
				prov.Deploy(provider.Function{Ref: b, Labels: autoLabels})
				pol, _ := New(Default())   // PreWarmShare 0.25: one slot for two functions
				for i := 20; i >= 0; i-- { // hourly timers; b runs 20 minutes after a
					pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
					pol.Observe(b, start.Add(-time.Duration(i)*time.Hour+20*time.Minute))
				}
				w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Hour - 15*time.Second) // a's window
				if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a {
					t.Fatalf("a's window: pre-warmed %+v, want a", rep.Scaled)
				}
				switch change {
				case "deleted":
					if err := prov.Remove(a); err != nil {
						t.Fatal(err)
					}
				case "opted-out":
					if err := prov.SetLabels(a, map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "5m"}); err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(20 * time.Minute) // b's window; a's ended long ago
				rep := w.RunOnce(context.Background(), time.Now())
				if len(rep.Scaled) != 1 || rep.Scaled[0].Ref != b {
					t.Errorf("b's window, a %s: pre-warmed %+v (warm %d), want b: the pre-warm slot is still held by a", change, rep.Scaled, rep.Warm)
				}
			})
		})
	}
}
