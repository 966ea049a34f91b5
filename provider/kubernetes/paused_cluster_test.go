package kubernetes

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A paused Deployment (`kubectl rollout pause`) is still a function the
// controller scales: pausing stops rollouts of a new pod template, not
// scaling, which the deployment controller carries out on a paused
// Deployment as it does for the HPA. A Deployment created without
// spec.replicas reads as the 1 the API server defaults it to.
func TestClusterPausedAndUnsetReplicas(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "paused", 1, nil))
	unset := functionDeployment(ns, "unset", 0, nil)
	unset.Spec.Replicas = nil
	createDeployment(t, c.Client, unset)
	p := startProvider(t, c.Config, ns)

	waitCached(t, p, provider.Ref{Name: "unset", Namespace: ns}, 30*time.Second, "desired 1 (the API server's default)",
		func(fn provider.Function) bool { return fn.Replicas == 1 })

	// Paused once rolled out, as `kubectl rollout pause` is used: a
	// Deployment created paused gets no ReplicaSet at all.
	ref := provider.Ref{Name: "paused", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "1 available", func(fn provider.Function) bool { return fn.AvailableReplicas == 1 })
	if _, err := c.Client.AppsV1().Deployments(ns).Patch(t.Context(), "paused", types.MergePatchType,
		[]byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.ScaleFrom(t.Context(), ref, 1, 3); err != nil {
		t.Fatalf("ScaleFrom(1→3) on a paused Deployment: %v", err)
	}
	testenv.WaitFor(t, 30*time.Second, "the paused Deployment's pods follow the scale", func() bool {
		d, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "paused", metav1.GetOptions{})
		return err == nil && d.Status.Replicas == 3
	})
	waitCached(t, p, ref, 30*time.Second, "desired 3, 3 available", func(fn provider.Function) bool {
		return fn.Replicas == 3 && fn.AvailableReplicas == 3
	})
}

// A Deployment created paused gets no ReplicaSet, so no pod starts at any
// count. The provider still scales it (the count is what its first
// ReplicaSet starts with once resumed), and its explanation says why no
// replica comes and how to resume it, once the deployment controller has
// seen it (no revision recorded). Resumed, the count written while paused
// rolls out and the note goes.
func TestClusterCreatedPausedIsExplained(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	d := functionDeployment(ns, "staged", 0, nil)
	d.Spec.Paused = true
	createDeployment(t, c.Client, d)
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "staged", Namespace: ns}
	observed := func(replicas int32) func() bool {
		return func() bool {
			d, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "staged", metav1.GetOptions{})
			return err == nil && d.Status.ObservedGeneration == d.Generation && *d.Spec.Replicas == replicas
		}
	}
	testenv.WaitFor(t, 30*time.Second, "the deployment controller has seen the paused Deployment", observed(0))
	waitCached(t, p, ref, 30*time.Second, "listed at 0", func(fn provider.Function) bool { return fn.Replicas == 0 })

	if err := p.ScaleFrom(t.Context(), ref, 0, 1); err != nil {
		t.Fatalf("ScaleFrom(0→1) on a Deployment created paused: %v", err)
	}
	testenv.WaitFor(t, 30*time.Second, "the deployment controller has seen the scale", observed(1))
	live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "staged", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if live.Status.Replicas != 0 || live.Annotations[revisionAnnotation] != "" {
		t.Fatalf("paused, never rolled out: status.replicas %d, revision %q; want no pod and no revision",
			live.Status.Replicas, live.Annotations[revisionAnnotation])
	}
	waitCached(t, p, ref, 30*time.Second, "desired 1", func(fn provider.Function) bool { return fn.Replicas == 1 })
	v, ok := p.Explain(ref)
	if e, _ := v.(DeploymentExplanation); !ok || !e.Paused || !strings.Contains(e.Stalled, "kubectl rollout resume deployment/staged") {
		t.Errorf("explanation while paused: %+v (%v), want paused with the stalled note", v, ok)
	}

	if _, err := c.Client.AppsV1().Deployments(ns).Patch(t.Context(), "staged", types.MergePatchType,
		[]byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCached(t, p, ref, 30*time.Second, "resumed: 1 available", func(fn provider.Function) bool { return fn.AvailableReplicas == 1 })
	testenv.WaitFor(t, 30*time.Second, "the explanation drops the note once resumed", func() bool {
		v, ok := p.Explain(ref)
		e, _ := v.(DeploymentExplanation)
		return ok && !e.Paused && e.Stalled == ""
	})
}
