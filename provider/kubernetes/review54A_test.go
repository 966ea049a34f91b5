package kubernetes

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi/kubeapitest"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// review54AClient is laggingClient with a hook run once just before the
// next scale write reaches the fake API server.
type review54AClient struct {
	*laggingClient
	beforeWrite func()
}

func (c *review54AClient) UpdateScale(ctx context.Context, ns, name string, s *autoscalingv1.Scale, o metav1.UpdateOptions) (*autoscalingv1.Scale, error) {
	c.mu.Lock()
	h := c.beforeWrite
	c.beforeWrite = nil
	c.mu.Unlock()
	if h != nil {
		h()
	}
	return c.laggingClient.UpdateScale(ctx, ns, name, s, o)
}

// TestReview54AScaleFromAtTheLiveVersionStillMeetsARaceAfterTheCheck is a
// PASSING guard (review 54A), not a defect. Since ae3e183 a write made
// after the cache lagged goes at the live read's resourceVersion
// (liveScale) instead of re-reading. The invariant that keeps that safe:
// the live version is still a precondition, so another writer raising the
// count between the live read and the write is answered 409, the retry
// reads again, and ScaleFrom(2→5) reports a conflict at the new count (3)
// instead of overwriting a count the decision never saw. An operator
// expects a conditional scale never to clobber a concurrent kubectl scale.
func TestReview54AScaleFromAtTheLiveVersionStillMeetsARaceAfterTheCheck(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: fnNS}
	f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(2, 2)))
	lc := &laggingClient{Clientset: kubeapitest.From(f), g: &gate{}}
	c := &review54AClient{laggingClient: lc}
	p := startFake(t, f, func(cfg *Config) { cfg.Client = c })
	waitFunction(t, p, ref, func(provider.Function) bool { return true })
	lc.g.mu.Lock()
	t.Cleanup(lc.g.mu.Unlock)

	// The cache lags (the live read is paid), and the Deployment changes
	// between the scale read and the live read: the write goes at the live
	// read's version.
	f.change(t, fnNS, "fn", func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 7 })
	lc.mu.Lock()
	lc.beforeRead = func() {
		f.change(t, fnNS, "fn", func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 8 })
	}
	lc.mu.Unlock()
	// Between the live read and the write, kubectl scales to 3.
	c.mu.Lock()
	c.beforeWrite = func() {
		f.change(t, fnNS, "fn", func(d *appsv1.Deployment) { three := int32(3); d.Spec.Replicas = &three })
	}
	c.mu.Unlock()

	err := p.ScaleFrom(context.Background(), ref, 2, 5)
	if cf, ok := provider.IsConflict(err); !ok || cf.Current != 3 {
		t.Errorf("ScaleFrom(2→5) with a raise to 3 after the live check: %v; want a conflict at 3", err)
	}
	d, err := f.deployment(fnNS, "fn")
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 3 {
		t.Errorf("spec.replicas = %d; want 3 (the concurrent writer's count kept)", *d.Spec.Replicas)
	}
	if _, updates := f.counts(); updates != 0 {
		t.Errorf("%d scale writes landed; want 0", updates)
	}
	if reads, writes := lc.counts(); reads < 1 || writes != 1 {
		t.Errorf("live reads %d, scale writes tried %d; want at least 1 and 1 (the write at the live version, answered 409): the test does not reach liveScale", reads, writes)
	}
}
