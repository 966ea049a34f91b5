package kubernetes

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Scale through the subresource on a real control plane: pods are created by
// KCM, scheduled, and made Ready by kwok, and the provider's cache reports
// them as available.
func TestClusterScaleUpDownZeroAndBack(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "echo", 1, nil))
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "echo", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "1 available", func(f provider.Function) bool { return f.AvailableReplicas == 1 })

	for _, want := range []uint64{3, 1, 0, 2} {
		start := time.Now()
		if err := p.Scale(t.Context(), ref, want); err != nil {
			t.Fatalf("Scale(%d): %v", want, err)
		}
		// Scale is idempotent: the same count again writes nothing.
		if err := p.Scale(t.Context(), ref, want); err != nil {
			t.Fatalf("Scale(%d) again: %v", want, err)
		}
		// The cache never reports more available than desired, although
		// after a scale-down the status still counts the pods being
		// deleted for a while (availableFor).
		waitCached(t, p, ref, 30*time.Second, "desired and available "+strconv.FormatUint(want, 10), func(f provider.Function) bool {
			if f.AvailableReplicas > f.Replicas && !t.Failed() {
				t.Errorf("after Scale(%d): listed %d available of %d desired", want, f.AvailableReplicas, f.Replicas)
			}
			return f.Replicas == want && f.AvailableReplicas == want
		})
		var spec, ready int32
		testenv.WaitFor(t, 30*time.Second, "the Deployment's status follows", func() bool {
			d, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "echo", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			spec, ready = *d.Spec.Replicas, d.Status.ReadyReplicas
			return spec == int32(want) && ready == int32(want)
		}, func() string { return fmt.Sprintf("after Scale(%d): spec %d, ready %d", want, spec, ready) })
		t.Logf("scale to %d: ready in %s", want, time.Since(start).Round(time.Millisecond))
	}
}

// The informer picks up label edits on the Deployment (kubectl label), and
// the selector decides what is a function.
func TestClusterInformerFollowsLabels(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "resize", 0, map[string]string{"com.openfaas.scale.max": "5"}))
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "resize", Namespace: ns}
	waitCached(t, p, ref, 10*time.Second, "listed with max 5", func(f provider.Function) bool {
		return f.Labels["com.openfaas.scale.max"] == "5"
	})

	twenty := "20"
	patchLabels(t, c.Client, ns, "resize", map[string]*string{"com.openfaas.scale.max": &twenty})
	waitCached(t, p, ref, 10*time.Second, "relabelled max 20 (the Deployment's label beats the template's 5)", func(f provider.Function) bool {
		return f.Labels["com.openfaas.scale.max"] == "20"
	})

	// Without faas_function it is no longer a function...
	patchLabels(t, c.Client, ns, "resize", map[string]*string{FunctionLabel: nil})
	waitCached(t, p, ref, 10*time.Second, "gone when unlabelled", nil)
	if err := p.Scale(t.Context(), ref, 1); err == nil {
		t.Error("Scale of a Deployment the selector no longer matches succeeded")
	}
	// ...and with it again it is back.
	name := "resize"
	patchLabels(t, c.Client, ns, "resize", map[string]*string{FunctionLabel: &name})
	waitCached(t, p, ref, 10*time.Second, "back when relabelled", func(provider.Function) bool { return true })
}
