package kubernetes

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A Deployment that changes between every scale read and live read, as one
// does while the deployment controller writes its status after a scale
// (CI saw it under kwok, session 53): a write whose precondition had to be
// the scale read's resourceVersion never landed, the re-reads outliving
// RetryOnConflict's five attempts. The live read is itself a fresher read
// of the scale (same object, spec.replicas and resourceVersion), so the
// write goes ahead at the version the check saw.
//
// Seen failing with checkLive answering a conflict on a resourceVersion
// mismatch (session 53's code): "Operation cannot be fulfilled on
// deployments.apps "fn": the scale subresource was read at
// resourceVersion 3 and the Deployment checked at 4: reading both again",
// 5 live reads and no write.
func TestScaleLandsWhileTheDeploymentKeepsChanging(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: fnNS}
	for _, w := range bothWrites(ref) {
		t.Run(w.name, func(t *testing.T) {
			f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(2, 2)))
			p, c := startLagging(t, f, ref)
			status := int32(0)
			busy := func(d *appsv1.Deployment) { status++; d.Status.ObservedGeneration = int64(status) }
			f.change(t, fnNS, "fn", busy) // the cache lags: the live read is paid
			c.mu.Lock()
			c.everyRead = func() { f.change(t, fnNS, "fn", busy) }
			c.mu.Unlock()

			if err := w.write(p); err != nil {
				t.Fatal(err)
			}
			reads, writes := c.counts()
			if reads != 1 || writes != 1 {
				t.Errorf("live reads %d, scale writes tried %d; want 1, 1 (the write at the version checked)", reads, writes)
			}
			d, err := f.deployment(fnNS, "fn")
			if err != nil {
				t.Fatal(err)
			}
			if *d.Spec.Replicas != 5 {
				t.Errorf("spec.replicas = %d; want 5", *d.Spec.Replicas)
			}
		})
	}
}

// The count moved between the scale read and the live read (another writer
// scaled to 3): the live read's count is the one the decision is held to.
// ScaleFrom(2→5) answers a conflict at 3 and writes nothing; Scale(5) writes
// 5 over 3.
func TestScaleHeldToTheCountTheLiveReadSaw(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: fnNS}
	for _, tc := range []struct {
		name       string
		write      func(*Provider) error
		wantWrites int
		wantSpec   int32
	}{
		{"Scale(5)", func(p *Provider) error { return p.Scale(context.Background(), ref, 5) }, 1, 5},
		{"ScaleFrom(2→5)", func(p *Provider) error {
			err := p.ScaleFrom(context.Background(), ref, 2, 5)
			if c, ok := provider.IsConflict(err); !ok || c.Current != 3 {
				t.Errorf("ScaleFrom(2→5) after a raise to 3: %v; want a conflict at 3", err)
			}
			return nil
		}, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCluster(newDeployment(fnNS, "fn", withReplicas(2, 2)))
			p, c := startLagging(t, f, ref)
			f.change(t, fnNS, "fn", func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 7 })
			c.mu.Lock()
			c.beforeRead = func() {
				f.change(t, fnNS, "fn", func(d *appsv1.Deployment) { three := int32(3); d.Spec.Replicas = &three })
			}
			c.mu.Unlock()

			if err := tc.write(p); err != nil {
				t.Fatal(err)
			}
			if _, writes := c.counts(); writes != tc.wantWrites {
				t.Errorf("scale writes tried %d; want %d", writes, tc.wantWrites)
			}
			d, err := f.deployment(fnNS, "fn")
			if err != nil {
				t.Fatal(err)
			}
			if *d.Spec.Replicas != tc.wantSpec {
				t.Errorf("spec.replicas = %d; want %d", *d.Spec.Replicas, tc.wantSpec)
			}
		})
	}
}
