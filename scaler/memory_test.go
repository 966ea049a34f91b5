package scaler

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// TestRunWithMemoryProviderColdStarts runs the loop against the shared
// in-memory provider with a 2 s cold start: replicas requested are not ready
// at once, and the loop must neither stall nor pile on scale calls while
// they start, nor fight the idler at zero.
func TestRunWithMemoryProviderColdStarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.Real()
		prov := memory.New(clk, memory.Options{ColdStart: 2 * time.Second, RefuseZero: true})
		src := scalertest.NewSource()
		fast := provider.Ref{Name: "fast", Namespace: "openfaas-fn"}
		idle := provider.Ref{Name: "idle", Namespace: "openfaas-fn"}
		for _, fn := range []provider.Function{
			{Ref: fast, Replicas: 1},
			{Ref: idle, Replicas: 0, Labels: map[string]string{LabelZero: "true", LabelMin: "0"}},
		} {
			if err := prov.Deploy(fn); err != nil {
				t.Fatal(err)
			}
		}
		src.Set("rps", fast, 20)
		src.Set("rps", idle, 0)
		l, err := NewLoop(LoopConfig{Provider: prov, Source: src, Actuator: newActuator(t, prov, clk, false), Clock: clk, Defaults: testDefaults()})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go l.Run(ctx)

		time.Sleep(30 * time.Second)
		src.Set("rps", fast, 200) // a step: needs ceil(200/45) = 5
		time.Sleep(time.Minute)
		got, err := prov.Function(t.Context(), fast)
		if err != nil {
			t.Fatal(err)
		}
		if got.Replicas != 5 || got.AvailableReplicas != 5 {
			t.Errorf("fast: %d desired, %d available; want 5 and 5", got.Replicas, got.AvailableReplicas)
		}
		src.Set("rps", idle, 30) // load on the function at zero: woken to 1
		time.Sleep(10 * time.Second)
		if got, _ := prov.Function(t.Context(), idle); got.Replicas != 1 {
			t.Errorf("idle with load: %d replicas, want 1", got.Replicas)
		}
		for _, c := range prov.Calls() {
			if !c.Changed() {
				t.Errorf("a Scale call changed nothing (duplicate or failed): %+v", c)
			}
			if c.Requested == 0 {
				t.Errorf("the scaler asked for zero: %+v", c)
			}
		}
		if n := len(prov.Calls()); n > 3 {
			t.Errorf("%d scale calls for one step and one wake-up: %+v", n, prov.Calls())
		}
	})
}

// TestStepRetriedAfterAFailedScale: AlertManager retries an alert whose
// step failed to apply; the retry must step, not be taken for a duplicate.
func TestStepRetriedAfterAFailedScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := clock.Real()
		prov := memory.New(clk, memory.Options{})
		ref := provider.Ref{Name: "step", Namespace: "openfaas-fn"}
		labels := map[string]string{LabelType: TypeStep, LabelMax: "10", LabelFactor: "20"} // step 2
		if err := prov.Deploy(provider.Function{Ref: ref, Replicas: 1, Labels: labels}); err != nil {
			t.Fatal(err)
		}
		l, err := NewLoop(LoopConfig{Provider: prov, Source: scalertest.NewSource(), Actuator: newActuator(t, prov, clk, false), Clock: clk, Defaults: testDefaults()})
		if err != nil {
			t.Fatal(err)
		}
		_ = l.Tick(t.Context(), time.Now())
		sig := Signal{Ref: ref, Status: Firing, Fingerprint: "fp", StartsAt: time.Now()}
		prov.FailScale(ref, 1, errors.New("503 from the gateway"))
		if err := l.Notify(t.Context(), sig); err != nil {
			t.Fatal(err)
		}
		_ = l.EvaluatePending(t.Context(), time.Now())
		time.Sleep(time.Second)
		_ = l.Notify(t.Context(), sig) // the retry, within the dedup interval
		_ = l.EvaluatePending(t.Context(), time.Now())
		got, _ := prov.Function(t.Context(), ref)
		if got.Replicas != 3 {
			t.Errorf("after a failed step and its retry: %d replicas, want 3", got.Replicas)
		}
		_ = l.Notify(t.Context(), sig) // a duplicate of the applied step
		_ = l.EvaluatePending(t.Context(), time.Now())
		if got, _ := prov.Function(t.Context(), ref); got.Replicas != 3 {
			t.Errorf("duplicate after the applied step: %d, want still 3", got.Replicas)
		}
	})
}
