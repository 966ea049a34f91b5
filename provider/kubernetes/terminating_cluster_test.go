package kubernetes

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A Deployment being deleted is no function: faas-netes removes a function
// with a foreground delete, so its Deployment lingers with a
// deletionTimestamp while its pods go. It is not listed, and Function, Scale
// and ScaleFrom answer ErrNotFound without writing to it.
//
// Seen failing before the fix (found by a review): Functions lists 1
// function(s) (gone.<ns>) whose Deployment is being deleted; want none /
// Scale of a Deployment being deleted reported success (spec.replicas now
// 5); want ErrNotFound
func TestClusterTerminatingDeploymentIsNotAFunction(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	d := functionDeployment(ns, "gone", 2, nil)
	d.Finalizers = []string{"test.faas-autoscaler.dev/hold"} // holds it as foregroundDeletion does while pods terminate
	createDeployment(t, c.Client, d)
	t.Cleanup(func() {
		_, _ = c.Client.AppsV1().Deployments(ns).Patch(context.Background(), "gone", types.MergePatchType,
			[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "gone", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "cached", func(provider.Function) bool { return true })
	if err := c.Client.AppsV1().Deployments(ns).Delete(t.Context(), "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 10*time.Second, "the cache has the deletionTimestamp", func() bool {
		objs, _ := p.caches[ns].informer.GetIndexer().ByIndex(functionIndex, "gone")
		return len(objs) == 1 && objs[0].(interface{ GetDeletionTimestamp() *metav1.Time }).GetDeletionTimestamp() != nil
	})

	if fns, err := p.Functions(t.Context(), ns); err != nil || len(fns) != 0 {
		t.Errorf("Functions = %v, %v; want none (the only Deployment is being deleted)", fns, err)
	}
	if _, err := p.Function(t.Context(), ref); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Function error = %v; want ErrNotFound", err)
	}
	if err := p.Scale(t.Context(), ref, 5); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Scale error = %v; want ErrNotFound", err)
	}
	if err := p.ScaleFrom(t.Context(), ref, 2, 0); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("ScaleFrom error = %v; want ErrNotFound", err)
	}
	live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "gone", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *live.Spec.Replicas != 2 {
		t.Errorf("the Deployment being deleted was scaled to %d; want it left at 2", *live.Spec.Replicas)
	}
}
