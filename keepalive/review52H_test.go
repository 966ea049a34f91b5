package keepalive

import (
	"maps"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestReview52HKeepAliveIsPricedOnTheReplicasItKeeps: a timer every 30
// minutes whose min label is 40. While it is up the scaler floors it at
// max(min, 1) = 40 (scaler.Spec.Min), so a keep-alive across the 30-minute
// gap keeps 40 replicas idle for 30 minutes; a pre-warm starts the min, 40
// replicas, for its window (startsLocked), about a minute before each run
// (the timer's ±30 s of jitter and the 30 s lead). Both plans have no cold
// start; in idle replica-seconds (what Plan.ExpectedIdle and
// ColdStartWorth price) the keep-alive costs 40×1800 s per idle time, the
// periodic pre-warm 40×60 s. The plan must be the timer's pre-warm.
//
// Got: keep_alive, because samples.keepCost prices the keep-alive as one
// replica (1800 s) while costAt prices the pre-warm on all 40 (2400 s):
// the replicas a pre-warm starts are priced, the same replicas kept by the
// keep-alive are not.
func TestReview52HKeepAliveIsPricedOnTheReplicasItKeeps(t *testing.T) {
	start := time.Now()
	prov := memory.New(clock.Real(), memory.Options{})
	ref := provider.Ref{Name: "batch", Namespace: "openfaas-fn"}
	labels := maps.Clone(autoLabels)
	labels["com.openfaas.scale.min"] = "40"
	labels["com.openfaas.scale.max"] = "40"
	prov.Deploy(provider.Function{Ref: ref, Labels: labels})
	pol, _ := New(Default())
	// A cron job with ±30 s of jitter: runs 29.5 and 30.5 minutes apart
	// by turns, within the 10 % a timer is recognised by.
	at := start.Add(-20 * 30 * time.Minute)
	for i := 0; i <= 20; i++ {
		pol.Observe(ref, at)
		at = at.Add(30*time.Minute + time.Duration(1-2*(i%2))*30*time.Second)
	}
	last := at.Add(-(30*time.Minute + time.Duration(1-2*(20%2))*30*time.Second))
	pol.Zeroed(ref, 40)
	w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
	if err != nil {
		t.Fatal(err)
	}
	w.RunOnce(t.Context(), last) // tells the policy the function's bounds
	got, _ := pol.Plan(ref, 15*time.Minute, last)
	// Priced on 40 replicas both, the choice is one replica's at a fortieth
	// of the price: the timer's pre-warm.
	var its []float64
	for i := 0; i < 20; i++ {
		its = append(its, 1800+float64(30*(1-2*(i%2))))
	}
	cfg := Default()
	cfg.ColdStartWorth /= 40
	if want := ChooseFor(Learned{Idle: its}, 15*time.Minute, cfg); want.Code != CodePeriodic {
		t.Fatalf("priced on 40 replicas both, the plan is %s: the test shows nothing", want.Code)
	}
	if got.Code == CodeKeepAlive {
		t.Errorf("plan %s (%s): keeps 40 replicas 30 minutes after each run where a 1-minute pre-warm of the same 40 "+
			"has no more cold starts; the keep-alive's idle time was priced on one replica (%.0f s per idle time)",
			got.Code, got.Reason, got.ExpectedIdle)
	}
}

// TestReview52HExplainShowsNoPreWarmCountWithoutAPreWarm: explain.go says
// prewarm_replicas is "how many replicas a pre-warm starts" and leaves it
// out (omitzero) when the plan has no pre-warm window (Policy.Explain sets
// it only when PreWarmAt > 0). A function still learning (three calls)
// plans a keep-alive and no pre-warm, and the pre-warmer will not pre-warm
// it; its explain section must not show a pre-warm count.
//
// Got: prewarm_replicas 1 (the function's min, the label default), from
// PreWarmer.Explain raising the count to the min whether or not the plan
// pre-warms at all: an operator reads that a pre-warm of 1 is planned.
func TestReview52HExplainShowsNoPreWarmCountWithoutAPreWarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		prov := memory.New(clock.Real(), memory.Options{})
		ref := provider.Ref{Name: "new", Namespace: "openfaas-fn"}
		prov.Deploy(provider.Function{Ref: ref, Labels: autoLabels})
		pol, _ := New(Default())
		for i := 3; i >= 0; i-- {
			pol.Observe(ref, start.Add(-time.Duration(i)*time.Minute))
		}
		w, err := NewPreWarmer(PreWarmerConfig{Policy: pol, Provider: prov, Actuator: newActuator(t, prov)})
		if err != nil {
			t.Fatal(err)
		}
		w.RunOnce(t.Context(), start)
		v, ok := w.Explain(ref)
		if !ok {
			t.Fatal("no keepalive section")
		}
		e := v.(Explanation)
		if !e.PreWarmFrom.IsZero() {
			t.Fatalf("plan %s has a pre-warm window: the test shows nothing", e.Code)
		}
		if e.PreWarmReplicas != 0 {
			t.Errorf("plan %s (%s) has no pre-warm window, yet explain says a pre-warm starts %d replicas",
				e.Code, e.Reason, e.PreWarmReplicas)
		}
	})
}
