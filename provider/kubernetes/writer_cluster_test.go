package kubernetes

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// clientAs is a clientset whose writes the API server records under
// userAgent's first segment, as it does faas-netes's and kubectl's.
func clientAs(t *testing.T, rc *rest.Config, userAgent string) kubernetes.Interface {
	t.Helper()
	rc = rest.CopyConfig(rc)
	rc.UserAgent = userAgent
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// On a real API server, with the managed fields it records: faas-netes
// creates the function (and owns its count: no fight), the controller
// scales it, then faas-netes sets the count back as the gateway's alert
// handler has it do when CE's alert resolves: the listing warns once and
// the explain section names faas-netes; the controller's next write clears
// it; a kubectl scale (a patch of the scale subresource, which records no
// time) is the next writer.
func TestClusterAnotherWriterAfterTheControllersIsExplained(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	netes := clientAs(t, c.Config, "faas-netes/0.18.0 (linux/amd64) kubernetes/$Format")
	kubectl := clientAs(t, c.Config, "kubectl/v1.37.2 (linux/amd64) kubernetes/abc")
	createDeployment(t, netes, functionDeployment(ns, "fight", 1, nil))
	var logs teststack.SyncBuffer
	p := startLoggedProvider(t, c.Config, &logs, ns)
	ref := provider.Ref{Name: "fight", Namespace: ns}
	explained := func() *WriterExplanation {
		v, ok := p.Explain(ref)
		if !ok {
			t.Fatalf("%s: no explanation", ref)
		}
		return v.(DeploymentExplanation).Writer
	}
	waitWriter := func(what string, ok func(*WriterExplanation) bool) *WriterExplanation {
		t.Helper()
		var w *WriterExplanation
		testenv.WaitFor(t, 10*time.Second, what, func() bool { w = explained(); return ok(w) },
			func() string { return fmt.Sprintf("last writer: %+v", w) })
		return w
	}
	list := func() {
		t.Helper()
		for range 3 {
			if _, err := p.Functions(t.Context(), ns); err != nil {
				t.Fatal(err)
			}
		}
	}

	waitCached(t, p, ref, 10*time.Second, "listed", func(provider.Function) bool { return true })
	list()
	if w := explained(); w != nil {
		t.Errorf("before the controller's first write: writer %+v; want none (faas-netes created it)", w)
	}

	if err := p.Scale(t.Context(), ref, 3); err != nil {
		t.Fatal(err)
	}
	waitCached(t, p, ref, 10*time.Second, "scaled to 3", func(f provider.Function) bool { return f.Replicas == 3 })
	list()
	if w := explained(); w != nil {
		t.Errorf("after the controller's write: writer %+v; want none", w)
	}

	// The gateway's alert handler, through faas-netes: an Update of the
	// Deployment with its count.
	if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := netes.AppsV1().Deployments(ns).Get(t.Context(), "fight", metav1.GetOptions{})
		if err != nil {
			return err
		}
		one := int32(1)
		d.Spec.Replicas = &one
		_, err = netes.AppsV1().Deployments(ns).Update(t.Context(), d, metav1.UpdateOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w := waitWriter("faas-netes explained", func(w *WriterExplanation) bool { return w != nil && w.Manager == "faas-netes" })
	if w.Subresource != "" || w.At == nil || !strings.Contains(w.Note, "APIHighInvocationRate") {
		t.Errorf("faas-netes's write explained as %+v; want an Update of the Deployment with its time, and CE's alert scaling named", w)
	}
	list()

	if err := p.Scale(t.Context(), ref, 3); err != nil {
		t.Fatal(err)
	}
	waitWriter("cleared by the controller's write", func(w *WriterExplanation) bool { return w == nil })

	patch := []byte(`{"spec":{"replicas":5}}`)
	if _, err := kubectl.AppsV1().Deployments(ns).Patch(t.Context(), "fight", types.MergePatchType, patch, metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatal(err)
	}
	w = waitWriter("kubectl scale explained", func(w *WriterExplanation) bool { return w != nil && w.Manager == "kubectl" })
	if w.Subresource != "scale" || w.At != nil {
		t.Errorf("kubectl scale explained as %+v; want the scale subresource, without a time (the API server records none)", w)
	}
	list()

	out := logs.String()
	if n := strings.Count(out, "writer="); n != 2 || !strings.Contains(out, "writer=faas-netes") || !strings.Contains(out, "writer=kubectl") {
		t.Errorf("log:\n%s\nwant one warning naming faas-netes and one naming kubectl", out)
	}
}
