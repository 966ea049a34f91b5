package keepalive

import (
	"maps"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestPlanPricesThePreWarmItStarts: a timer every 30 minutes was idled
// from 80 replicas (its max label lowered to 2 since, or the count read
// from the gateway's history). A pre-warm of it starts 2, the max
// (PreWarmer.due), and its plan must price those 2: 80 replicas warm for
// the window cost more idle time than one kept warm all along, 2 cost far
// less, so the two prices choose different plans.
//
// Seen failing: the plan priced the 80 the function was idled from and
// kept it warm 33 minutes after each run (keep_alive) where the pre-warm
// it would start, of 2 replicas for a minute, was the cheaper plan.
func TestPlanPricesThePreWarmItStarts(t *testing.T) {
	start := time.Now()
	prov := memory.New(clock.Real(), memory.Options{})
	ref := provider.Ref{Name: "timer", Namespace: "openfaas-fn"}
	labels := maps.Clone(autoLabels)
	labels["com.openfaas.scale.max"] = "2"
	prov.Deploy(provider.Function{Ref: ref, Labels: labels})
	pol, _ := New(Default())
	var its []float64
	for i := 20; i >= 0; i-- {
		pol.Observe(ref, start.Add(-time.Duration(i)*30*time.Minute))
		if i > 0 {
			its = append(its, 1800)
		}
	}
	pol.Zeroed(ref, 80)
	capped := ChooseFor(Learned{Idle: its, PreWarmReplicas: 2}, 15*time.Minute, Default())
	uncapped := ChooseFor(Learned{Idle: its, PreWarmReplicas: 80}, 15*time.Minute, Default())
	if capped.Code == uncapped.Code {
		t.Fatalf("2 and 80 replicas both plan %s: the test shows nothing", capped.Code)
	}
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
	if err != nil {
		t.Fatal(err)
	}
	w.RunOnce(t.Context(), start) // reads the labels; nothing is due right after a run
	got, _ := pol.Plan(ref, 15*time.Minute, start)
	if got.Code != capped.Code || got.KeepAlive != capped.KeepAlive || got.PreWarmAt != capped.PreWarmAt {
		t.Errorf("plan %s (%s), want %s as priced on the 2 replicas a pre-warm starts (priced on 80: %s)",
			got.Code, got.Reason, capped.Code, uncapped.Code)
	}
	if e, _ := pol.Explain(ref, 15*time.Minute, start); e.PreWarmReplicas != 2 {
		t.Errorf("the policy says a pre-warm starts %d, want 2 (the max)", e.PreWarmReplicas)
	}
	// Relabelled up to 100, the 80 it was idled from are what a pre-warm
	// starts, and what the plan prices, again.
	labels = maps.Clone(labels)
	labels["com.openfaas.scale.max"] = "100"
	if err := prov.SetLabels(ref, labels); err != nil {
		t.Fatal(err)
	}
	w.RunOnce(t.Context(), start)
	if got, _ := pol.Plan(ref, 15*time.Minute, start); got.Code != uncapped.Code {
		t.Errorf("max 100: plan %s (%s), want %s as priced on 80", got.Code, got.Reason, uncapped.Code)
	}
}
