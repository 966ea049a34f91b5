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

// TestRecreatedFunctionIsPreWarmedDespiteItsPredecessorsRefusal: the
// provider refused the old "a" its pre-warm (a quota, an admission policy);
// "a" is deleted and deployed again at zero under its name before its next
// window. The pre-warmer's intents carry the listed creation time
// (actuator.Intent.Created), so the actuator does not hold the new function
// to its predecessor's refusal for actuator.refused_backoff, as the scaler's
// and the idler's intents already do not.
//
// Seen failing with Created left out of the pre-warmer's intents: "the new
// a's window: pre-warmed [] (a at 0 replicas), want a".
func TestRecreatedFunctionIsPreWarmedDespiteItsPredecessorsRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		if err := prov.Deploy(provider.Function{Ref: a, Labels: autoLabels, CreatedAt: start.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := prov.Scale(ctx, a, 0); err != nil {
			t.Fatal(err)
		}
		pol, _ := New(Default())
		for i := 40; i >= 0; i-- { // a timer every 30 minutes
			pol.Observe(a, start.Add(-time.Duration(i)*30*time.Minute))
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		prov.FailScale(a, 1, &provider.RefusedError{Ref: a, Replicas: 1, Status: 403, Message: "quota exceeded"})
		time.Sleep(30*time.Minute - 15*time.Second) // a's window
		if rep := w.RunOnce(ctx, time.Now()); len(rep.Scaled) != 0 || len(rep.Failures) != 1 {
			t.Fatalf("control: the old a's window: pre-warmed %+v, failures %v; want the one refusal", rep.Scaled, rep.Failures)
		}

		time.Sleep(15 * time.Second)
		pol.Observe(a, time.Now()) // the timer's call, served cold
		time.Sleep(10 * time.Minute)
		if err := prov.Remove(a); err != nil {
			t.Fatal(err)
		}
		if err := prov.Deploy(provider.Function{Ref: a, Labels: autoLabels, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		if err := prov.Scale(ctx, a, 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20*time.Minute - 15*time.Second) // the next window, inside the refusal's hour of back-off
		rep := w.RunOnce(ctx, time.Now())
		fn, err := prov.Function(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Scaled) != 1 || fn.Replicas != 1 {
			t.Errorf("the new a's window: pre-warmed %+v (a at %d replicas), want a", rep.Scaled, fn.Replicas)
		}
	})
}
