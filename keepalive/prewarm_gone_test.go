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

// TestPreWarmEndsWhenIdledOrOver: a pre-warmed function stops counting as
// warm once it is listed at zero (the idler took it back: inside its
// window it is pre-warmed again) and once its window is over.
func TestPreWarmEndsWhenIdledOrOver(t *testing.T) {
	for _, end := range []string{"idled", "over"} {
		t.Run(end, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				prov := memory.New(clock.Real(), memory.Options{})
				a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
				prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
				pol, _ := New(Default())
				for i := 20; i >= 0; i-- { // hourly timer
					pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
				}
				w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Hour - 15*time.Second) // a's window
				if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a || rep.Warm != 1 {
					t.Fatalf("a's window: pre-warmed %+v (warm %d), want a", rep.Scaled, rep.Warm)
				}
				switch end {
				case "idled":
					if err := prov.Scale(context.Background(), a, 0); err != nil {
						t.Fatal(err)
					}
					time.Sleep(10 * time.Second) // still in the window
					if rep := w.RunOnce(context.Background(), time.Now()); len(rep.Scaled) != 1 || rep.Scaled[0].Ref != a {
						t.Errorf("a idled inside its window: pre-warmed %+v (warm %d), want a again", rep.Scaled, rep.Warm)
					}
				case "over":
					time.Sleep(time.Hour / 2)
					if rep := w.RunOnce(context.Background(), time.Now()); rep.Warm != 0 || len(rep.Scaled) != 0 {
						t.Errorf("a's window over: warm %d, pre-warmed %+v, want neither", rep.Warm, rep.Scaled)
					}
				}
			})
		})
	}
}
