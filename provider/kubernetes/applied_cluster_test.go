package kubernetes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// fluxApply applies d server-side, forced, as Flux's kustomize-controller
// does at every reconcile.
func fluxApply(t *testing.T, client kubernetes.Interface, d *appsv1.Deployment) {
	t.Helper()
	d = d.DeepCopy()
	d.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AppsV1().Deployments(d.Namespace).Patch(t.Context(), d.Name, types.ApplyPatchType, b,
		metav1.PatchOptions{FieldManager: "kustomize-controller", Force: ptr.To(true)}); err != nil {
		t.Fatalf("server-side apply of %s/%s: %v", d.Namespace, d.Name, err)
	}
}

// On a real API server: a manifest applied server-side with spec.replicas is
// seen as such (the managed fields' shape is the API server's), a re-apply
// after the controller scaled puts its count back, and the explain section
// says who did it whenever the applier holds the count.
func TestClusterServerSideAppliedReplicasAreExplained(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	manifest := functionDeployment(ns, "gitops", 2, nil)
	fluxApply(t, c.Client, manifest)
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "gitops", Namespace: ns}
	applied := func() string {
		v, ok := p.Explain(ref)
		if !ok {
			return ""
		}
		return v.(DeploymentExplanation).Applied
	}
	var note string
	testenv.WaitFor(t, 10*time.Second, "the applier of spec.replicas is explained", func() bool {
		note = applied()
		return strings.Contains(note, `server-side apply by "kustomize-controller"`)
	}, func() string { return "last note: " + note })

	if err := p.Scale(t.Context(), ref, 0); err != nil {
		t.Fatal(err)
	}
	waitCached(t, p, ref, 10*time.Second, "scaled to 0", func(f provider.Function) bool { return f.Replicas == 0 })
	t.Logf("after the controller's write: %q", applied())

	// The next reconcile undoes the controller's count; the note is back.
	fluxApply(t, c.Client, manifest)
	waitCached(t, p, ref, 10*time.Second, "re-applied to 2", func(f provider.Function) bool { return f.Replicas == 2 })
	if note := applied(); !strings.Contains(note, "kustomize-controller") {
		t.Errorf("after the re-apply undid the controller's count, applied note %q does not name the applier", note)
	}
}

// A Deployment created with replicas and without an applier (faas-netes
// creates and updates its Deployments) carries no note.
func TestClusterCreatedDeploymentHasNoAppliedNote(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "plain", 2, nil))
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "plain", Namespace: ns}
	waitCached(t, p, ref, 10*time.Second, "listed", func(provider.Function) bool { return true })
	if v, ok := p.Explain(ref); !ok || v.(DeploymentExplanation).Applied != "" {
		t.Errorf("explanation %+v, %v; want no applied note", v, ok)
	}
}
