package kubernetes

import (
	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/scaler/scalertest"
)

// The scaler's real decisions applied to real Deployments: a load above
// target grows the function and its pods become Ready; when the load falls,
// it shrinks after its down window. Time is passed to the loop explicitly, so
// "ten minutes later" costs nothing; only pods take real (kwok) time.
func TestClusterScalerScenario(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "api", 1, map[string]string{
		scaler.LabelMin: "1", scaler.LabelMax: "10",
		scaler.LabelType: metricsource.TypeRPS, scaler.LabelTarget: "10",
	}))
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "api", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "1 available", func(f provider.Function) bool { return f.AvailableReplicas == 1 })

	src := scalertest.NewSource()
	src.Set(metricsource.TypeRPS, ref, 45) // 4.5 replicas' worth at target 10
	loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: p, Source: src, Actuator: newActuator(t, p), Namespaces: []string{ns}, Defaults: scaler.DefaultDefaults()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	now := time.Now()
	up, err := loop.EvaluateNow(ctx, ref, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if !up.Scale || up.Replicas <= 1 || up.Replicas > 10 {
		t.Fatalf("decision under load = %+v; want a scale-up within [2, 10]", up)
	}
	t.Logf("up: %s (%s)", up.Reason, up.Code)
	waitCached(t, p, ref, 30*time.Second, "scaled up and Ready", func(f provider.Function) bool {
		return f.Replicas == up.Replicas && f.AvailableReplicas == up.Replicas
	})

	// A second pass at the same load changes nothing.
	if err := loop.Tick(ctx, now.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if fn, _ := p.Function(ctx, ref); fn.Replicas != up.Replicas {
		t.Fatalf("second pass at the same load moved replicas %d → %d", up.Replicas, fn.Replicas)
	}

	// Load falls to one replica's worth: passes every 5 s of loop time until
	// the down window lets it shrink (bounded at 30 loop minutes).
	src.Set(metricsource.TypeRPS, ref, 5)
	var last uint64 = up.Replicas
	for at := now.Add(10 * time.Second); at.Before(now.Add(30 * time.Minute)); at = at.Add(5 * time.Second) {
		if err := loop.Tick(ctx, at); err != nil {
			t.Fatal(err)
		}
		live, err := c.Client.AppsV1().Deployments(ns).GetScale(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r := uint64(live.Spec.Replicas); r < last {
			last = r
			t.Logf("down to %d after %s of loop time", r, at.Sub(now))
			if last == 1 {
				break
			}
		}
		fn, err := p.Function(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		// The next pass reads the cache: let it catch up with our write.
		for fn.Replicas != uint64(live.Spec.Replicas) {
			time.Sleep(10 * time.Millisecond)
			if fn, err = p.Function(ctx, ref); err != nil {
				t.Fatal(err)
			}
		}
	}
	if last != 1 {
		t.Fatalf("replicas %d after 30 loop minutes at one replica's load; want 1", last)
	}
	waitCached(t, p, ref, 30*time.Second, "1 Ready", func(f provider.Function) bool { return f.AvailableReplicas == 1 })
}

// The idler's real cycle against real Deployments: an opted-in function with
// no invocations over its keep-alive goes to zero (its pods go away), a busy
// one and one without the opt-in stay.
func TestClusterIdlerScenario(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	optIn := map[string]string{idler.LabelZero: "true", idler.LabelZeroDuration: "1m"}
	createDeployment(t, c.Client, functionDeployment(ns, "quiet", 1, optIn))
	createDeployment(t, c.Client, functionDeployment(ns, "busy", 1, optIn))
	createDeployment(t, c.Client, functionDeployment(ns, "pinned", 1, nil))
	p := startProvider(t, c.Config, ns)
	refs := map[string]provider.Ref{}
	for _, n := range []string{"quiet", "busy", "pinned"} {
		refs[n] = provider.Ref{Name: n, Namespace: ns}
		waitCached(t, p, refs[n], 30*time.Second, "1 available", func(f provider.Function) bool { return f.AvailableReplicas == 1 })
	}

	src := scalertest.NewSource()
	src.SetActivity(metricsource.Activity{
		Covered:  true,
		Started:  metricsource.Values{refs["busy"]: 12},
		Inflight: metricsource.Values{},
	})
	idl, err := idler.New(idler.Config{Provider: p, Source: src, Actuator: newActuator(t, p), Namespaces: []string{ns}, Schedule: "@every 30s"})
	if err != nil {
		t.Fatal(err)
	}
	// Five minutes after the functions were created: past their 1m keep-alive.
	report := idl.RunOnce(t.Context(), time.Now().Add(5*time.Minute))
	if report.Err != nil {
		t.Fatal(report.Err)
	}
	if !slices.Equal(report.Idled, []provider.Ref{refs["quiet"]}) {
		t.Fatalf("idled %v; want only quiet (verdicts %+v)", report.Idled, report.Verdicts)
	}
	waitCached(t, p, refs["quiet"], 30*time.Second, "at zero with no pods", func(f provider.Function) bool {
		return f.Replicas == 0 && f.AvailableReplicas == 0
	})
	for _, n := range []string{"busy", "pinned"} {
		fn, err := p.Function(t.Context(), refs[n])
		if err != nil || fn.Replicas != 1 {
			t.Errorf("%s: %+v, %v; want left at 1", n, fn, err)
		}
	}

	// The next cycle finds quiet already at zero and scales nothing again.
	again := idl.RunOnce(t.Context(), time.Now().Add(6*time.Minute))
	if len(again.Idled) != 0 {
		t.Errorf("second cycle idled %v again", again.Idled)
	}
}

// newActuator is the one writer of replicas over the real provider: the
// loops propose, and its conditional writes go to deployments/scale.
func newActuator(t *testing.T, p provider.Provider) *actuator.Actuator {
	t.Helper()
	c := actuator.Default()
	c.Provider = p
	a, err := actuator.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
