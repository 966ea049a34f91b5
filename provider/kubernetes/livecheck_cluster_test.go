package kubernetes

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// liveReads is gatedClient counting the reads of one Deployment by name
// (checkLive's), to tell a write that went through after a live check
// from one that never looked.
type liveReads struct {
	gatedClient
	n atomic.Int32
}

func (c *liveReads) ListDeployments(ctx context.Context, ns string, o metav1.ListOptions) (*appsv1.DeploymentList, error) {
	if o.FieldSelector != "" {
		c.n.Add(1)
	}
	return c.gatedClient.ListDeployments(ctx, ns, o)
}

// Under a lagging watch, on a real API server, Scale and ScaleFrom refuse
// a Deployment that the cache still holds as the function but that, live,
// was relabelled out of the selector, relabelled to another function, or
// is being deleted with foreground propagation (as faas-netes deletes):
// ErrNotFound, spec.replicas untouched. One whose status alone moved is
// written to.
//
// Seen failing without the fix (the checkLive calls removed from
// scale.go): each refusal case answered <nil> and scaled the Deployment
// (ScaleFrom(2→5) set spec.replicas to 5; want left at 2).
func TestClusterScaleRefusesWhatIsLiveNoLongerTheFunction(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	const hold = "test.faas-autoscaler.dev/hold" // keeps the deleted one terminating, as its pods would
	names := []string{"unlabelled", "renamed", "deleting", "status"}
	for _, name := range names {
		d := functionDeployment(ns, name, 2, nil)
		if name == "deleting" {
			d.Finalizers = []string{hold}
		}
		createDeployment(t, c.Client, d)
	}
	t.Cleanup(func() {
		_, _ = c.Client.AppsV1().Deployments(ns).Patch(context.Background(), "deleting", types.MergePatchType,
			[]byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})
	client, err := kubeapi.New(asController(c.Config))
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{}
	reads := &liveReads{gatedClient: gatedClient{Deployments: client, g: g}}
	p := startOn(t, reads, ns)
	for _, name := range names {
		waitCached(t, p, provider.Ref{Name: name, Namespace: ns}, 30*time.Second, "cached", func(provider.Function) bool { return true })
	}

	g.mu.Lock() // the watch lags from here
	var thaw sync.Once
	t.Cleanup(func() { thaw.Do(g.mu.Unlock) })
	ctx := t.Context()
	patchLabels(t, c.Client, ns, "unlabelled", map[string]*string{FunctionLabel: nil})
	other := "other"
	patchLabels(t, c.Client, ns, "renamed", map[string]*string{FunctionLabel: &other})
	foreground := metav1.DeletePropagationForeground
	if err := c.Client.AppsV1().Deployments(ns).Delete(ctx, "deleting", metav1.DeleteOptions{PropagationPolicy: &foreground}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, "status", types.MergePatchType,
		[]byte(`{"status":{"conditions":[{"type":"Audited","status":"True","reason":"Test"}]}}`), metav1.PatchOptions{}, "status"); err != nil {
		t.Fatal(err)
	}

	replicas := func(name string) int32 {
		t.Helper()
		d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return *d.Spec.Replicas
	}
	for _, tc := range []struct{ name, why string }{
		{"unlabelled", `no longer matches selector "faas_function"`},
		{"renamed", `now claims function "other"`},
		{"deleting", "is being deleted"},
	} {
		ref := provider.Ref{Name: tc.name, Namespace: ns}
		if _, err := p.Function(ctx, ref); err != nil {
			t.Fatalf("%s: the cache no longer holds it (%v): the watch is not lagging, the test proves nothing", ref, err)
		}
		for _, w := range []struct {
			name  string
			write func() error
		}{
			{"ScaleFrom(2→5)", func() error { return p.ScaleFrom(ctx, ref, 2, 5) }},
			{"Scale(5)", func() error { return p.Scale(ctx, ref, 5) }},
		} {
			werr := w.write()
			if n := replicas(tc.name); n != 2 {
				t.Errorf("%s of %s returned %v and set spec.replicas to %d; want it left at 2 (it %s)", w.name, ref, werr, n, tc.why)
			}
			if !errors.Is(werr, provider.ErrNotFound) || !strings.Contains(werr.Error(), tc.why) {
				t.Errorf("%s of %s error = %v; want ErrNotFound saying %q", w.name, ref, werr, tc.why)
			}
		}
	}

	// Its status moved: still the function, written to after a live look.
	ref := provider.Ref{Name: "status", Namespace: ns}
	before := reads.n.Load()
	if err := p.Scale(ctx, ref, 5); err != nil {
		t.Errorf("Scale(5) of %s (status changed): %v", ref, err)
	}
	if n := replicas("status"); n != 5 {
		t.Errorf("Scale(5) of %s left spec.replicas at %d", ref, n)
	}
	if err := p.ScaleFrom(ctx, ref, 5, 3); err != nil {
		t.Errorf("ScaleFrom(5→3) of %s: %v", ref, err)
	}
	if n := replicas("status"); n != 3 {
		t.Errorf("ScaleFrom(5→3) of %s left spec.replicas at %d", ref, n)
	}
	if reads.n.Load() == before {
		t.Errorf("no live read for %s: its status change did not reach the scale's resourceVersion, the case proves nothing", ref)
	}
	thaw.Do(g.mu.Unlock)
}
