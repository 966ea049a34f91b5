package kubernetes

import (
	"errors"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// An HPA's scaleTargetRef.kind is resolved by the HPA controller through the
// discovery RESTMapper, which registers every kind also in lower case
// (client-go restmapper.NewDiscoveryRESTMapper: AddSpecific of
// strings.ToLower(resource.Kind)), and the API server validates the kind
// only as a path segment. So an HPA written with `kind: deployment` scales
// the Deployment exactly as `kind: Deployment` does: the test first waits
// for the cluster's own HPA controller to raise the function to the HPA's
// minimum. scalesDeployment (hpa.go) compares the kind with "Deployment"
// exactly, so such an HPA is not seen: the function is listed, and a
// conditional write lands on it — two writers of one count, which the
// provider exists to refuse.
func TestReview50HPAWithLowercaseKindStillOwnsTheDeployment(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	ctx := t.Context()
	createDeployment(t, c.Client, functionDeployment(ns, "echo", 1, nil))
	h := v2HPA(ns, "echo", "echo")
	h.Spec.ScaleTargetRef.Kind = "deployment"
	two := int32(2)
	h.Spec.MinReplicas = &two
	if _, err := c.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, h, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create HPA: %v", err)
	}
	// Proof the HPA owns the count: the HPA controller (KCM) raises it to
	// minReplicas, with no metrics needed.
	testenv.WaitFor(t, 90*time.Second, "the HPA controller scales echo (kind: deployment) to its minimum 2", func() bool {
		return specReplicas(t, c, ns, "echo") == 2
	})

	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "echo", Namespace: ns}
	if got := listedNames(t, p, ns); slices.Contains(got, "echo") {
		t.Errorf("Functions = %v; want echo left out (HorizontalPodAutoscaler echo, scaleTargetRef kind \"deployment\", scales it)", got)
	}
	if _, err := p.Function(ctx, ref); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Function(%s) = %v; want ErrNotFound naming the HPA, as for kind \"Deployment\"", ref, err)
	}
	var refused *provider.RefusedError
	err := p.ScaleFrom(ctx, ref, 2, 0)
	if !errors.As(err, &refused) {
		t.Errorf("ScaleFrom(2→0) of a Deployment the HPA scales = %v; want a *provider.RefusedError", err)
	}
	if n := specReplicas(t, c, ns, "echo"); n != 2 {
		t.Errorf("echo's spec.replicas = %d after ScaleFrom; want 2, the HPA's count, untouched", n)
	}
}
