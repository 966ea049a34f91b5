package kubernetes

import (
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
