package kubernetes

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubeapi"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The API server records a write under the fieldManager the request names,
// or, without one, under its client's user agent's first segment. The
// provider names its Config.FieldManager on every write, so a client whose
// user agent is another (a program embedding the provider, a test's
// client) still writes as the manager the writer check looks for: its own
// writes are not taken for another writer's, and a later foreign write is.
//
// Seen failing before the write named its manager: the scale entry's
// manager was "embedding-program", and once faas-netes had touched the
// Deployment the controller's own write was explained as another writer's.
func TestClusterWritesNameTheConfiguredFieldManager(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	netes := clientAs(t, c.Config, "faas-netes/0.18.0 (linux/amd64) kubernetes/$Format")
	createDeployment(t, netes, functionDeployment(ns, "named", 1, nil))

	rc := rest.CopyConfig(c.Config)
	rc.UserAgent = "embedding-program/1.0 (linux/amd64)"
	client, err := kubeapi.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	p := startOn(t, client, ns)
	ref := provider.Ref{Name: "named", Namespace: ns}
	waitCached(t, p, ref, 10*time.Second, "listed", func(provider.Function) bool { return true })
	if err := p.Scale(t.Context(), ref, 3); err != nil {
		t.Fatal(err)
	}

	d, err := netes.AppsV1().Deployments(ns).Get(t.Context(), "named", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var managers []string
	owner := ""
	for _, e := range d.ManagedFields {
		managers = append(managers, e.Manager+"/"+e.Subresource)
		if e.Subresource == "scale" && e.FieldsV1 != nil && strings.Contains(e.FieldsV1.GetRawString(), `"f:replicas"`) {
			owner = e.Manager
		}
	}
	if want := DefaultConfig().FieldManager; owner != want {
		t.Fatalf("spec.replicas written through the scale subresource by %q; want the configured field manager %q (entries: %v)",
			owner, want, managers)
	}
	// faas-netes touches the Deployment after the write (a label, the count
	// left alone): the cache shows it at a later version, with the count's
	// owner as the write left it.
	touched := "yes"
	patchLabels(t, netes, ns, "named", map[string]*string{"touched": &touched})
	waitCached(t, p, ref, 10*time.Second, "at 3 and touched", func(fn provider.Function) bool {
		return fn.Replicas == 3 && fn.Labels["touched"] == "yes"
	})
	for range 3 {
		if _, err := p.Functions(t.Context(), ns); err != nil {
			t.Fatal(err)
		}
	}
	v, ok := p.Explain(ref)
	if !ok {
		t.Fatalf("%s: no explanation", ref)
	}
	if w := v.(DeploymentExplanation).Writer; w != nil {
		t.Errorf("after the controller's own write: another writer %+v; want none", *w)
	}
}
