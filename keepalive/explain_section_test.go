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

// TestExplainPreWarmReplicasCappedAtMax: keepalive/explain.go documents
// PreWarmReplicas as "how many replicas a pre-warm starts". RunOnce caps the
// count at the function's max ("the label may have been lowered since the
// function was idled"), so a function idled from 8 whose max is now 5 is
// pre-warmed to 5. The explain section must say 5; it says 8 (it reads the
// policy's zeroed count without the cap the pre-warmer applies).
func TestExplainPreWarmReplicasCappedAtMax(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		labels := map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "auto",
			"com.openfaas.scale.max": "5"}
		prov, a, pol := hourlyTimer(labels, start)
		pol.Zeroed(a, 8) // idled from 8 while max was higher
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // inside the pre-warm window
		rep := w.RunOnce(context.Background(), time.Now())
		if len(rep.Scaled) != 1 {
			t.Fatalf("pre-warmed %+v, want a", rep.Scaled)
		}
		fn, err := prov.Function(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		if fn.Replicas != 5 {
			t.Fatalf("provider has %d replicas after the pre-warm, want 5 (max)", fn.Replicas)
		}
		v, ok := w.Explain(a)
		if !ok {
			t.Fatal("no keepalive section")
		}
		if got := v.(Explanation).PreWarmReplicas; got != fn.Replicas {
			t.Errorf("explain prewarm_replicas = %d, but the pre-warm started %d (capped at max 5)", got, fn.Replicas)
		}
	})
}

// TestExplainSectionForFixedKeepAlive: the keepalive section explains
// the adaptive keep-alive (docs/sim.md: the pre-warmer "takes those opted in
// with zero: true and zero-duration: auto"; README: "the explain API shows
// each plan"). A function relabelled from auto to a fixed 5m is idled after
// 5m and never pre-warmed, yet its explain answer still carries a keepalive
// section with an auto plan (keep-alive, pre-warm window, warm_now) that
// nothing acts on: a stale section. Expected: no section (ok false).
func TestExplainSectionForFixedKeepAlive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: a, Labels: autoLabels})
		pol, _ := New(Default())
		for i := 20; i >= 0; i-- {
			pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		if err := prov.SetLabels(a, map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "5m"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour - 15*time.Second) // what would be the pre-warm window
		rep := w.RunOnce(context.Background(), time.Now())
		if len(rep.Scaled) != 0 {
			t.Fatalf("pre-warmed %+v a function with a fixed keep-alive", rep.Scaled)
		}
		if v, ok := w.Explain(a); ok {
			t.Errorf("keepalive section for a function with zero-duration 5m (not auto): %+v", v)
		}
	})
}

// hourlyTimer deploys function a (openfaas-fn) with labels on a memory
// provider, and a new policy that has seen it called every hour for the 20
// hours up to start: a timer, due again an hour after start.
func hourlyTimer(labels map[string]string, start time.Time) (*memory.Provider, provider.Ref, *Policy) {
	prov := memory.New(clock.Real(), memory.Options{})
	a := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	prov.Deploy(provider.Function{Ref: a, Labels: labels})
	pol, _ := New(Default())
	for i := 20; i >= 0; i-- {
		pol.Observe(a, start.Add(-time.Duration(i)*time.Hour))
	}
	return prov, a, pol
}
