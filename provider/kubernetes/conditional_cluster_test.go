package kubernetes

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// racer lets another writer change a Deployment right before the provider's
// write of its scale subresource reaches the API server, so the write
// carries a resourceVersion that is no longer current: the real race the
// conditional write exists for, on the real API server.
type racer struct {
	next   http.RoundTripper
	mu     sync.Mutex
	before func() // run once, before the next PUT of a scale
	puts   int
}

func (r *racer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, "/scale") {
		r.mu.Lock()
		f := r.before
		r.before = nil
		r.puts++
		r.mu.Unlock()
		if f != nil {
			f()
		}
	}
	return r.next.RoundTrip(req)
}

// race arranges for f to run before the next scale PUT and returns the PUTs
// seen so far.
func (r *racer) race(f func()) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.before = f
	return r.puts
}

func (r *racer) putCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.puts
}

// racingProvider is a provider on the cluster whose scale writes go through
// a racer; the cluster's own admin client is the other writer.
func racingProvider(t *testing.T, c *kubecluster.Cluster, ns string) (*Provider, *racer) {
	t.Helper()
	r := &racer{}
	cfg := rest.CopyConfig(c.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { r.next = rt; return r })
	return startProvider(t, cfg, ns), r
}

// otherWriter sets spec.replicas as kubectl scale does.
func otherWriter(t *testing.T, c *kubecluster.Cluster, ns, name string, n int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// As kubectl scale does: a merge patch of the scale subresource, which
	// carries no resourceVersion and so cannot conflict. A read-modify-write
	// here (even retried five times on conflict) lost its raise now and then
	// to the controller-manager's status writes on a Deployment created
	// moments ago, and the actuator then rightly applied its scale to zero
	// (flakes seen in CI on 2026-12-01 and 2026-12-02).
	patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
	if _, err := c.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}, "scale"); err != nil {
		t.Error(err)
	}
}

func specReplicas(t *testing.T, c *kubecluster.Cluster, ns, name string) int32 {
	t.Helper()
	d, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas
}

// ScaleFrom's write carries the resourceVersion it read: a writer in between
// makes the API server answer 409; the re-read finds the new count and
// ScaleFrom returns a ConflictError with it, writing nothing. A change that
// leaves the count alone (a label) conflicts too, and the retry writes.
func TestClusterScaleFromConflictsOnARace(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "cas", 2, nil))
	p, r := racingProvider(t, c, ns)
	ref := provider.Ref{Name: "cas", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "listed", func(provider.Function) bool { return true })

	before := r.race(func() { otherWriter(t, c, ns, "cas", 3) })
	err := p.ScaleFrom(t.Context(), ref, 2, 1)
	conflict, ok := provider.IsConflict(err)
	if !ok || conflict.Expected != 2 || conflict.Current != 3 {
		t.Fatalf("ScaleFrom(2→1) raced by a write of 3: %v, want a conflict at 3", err)
	}
	if n := r.putCount() - before; n != 1 {
		t.Errorf("scale PUTs: %d, want 1 (the stale write, rejected; the re-read writes nothing)", n)
	}
	if n := specReplicas(t, c, ns, "cas"); n != 3 {
		t.Fatalf("spec.replicas = %d, want the other writer's 3", n)
	}

	// A stale `from` without a race: refused at the read, no PUT at all.
	before = r.putCount()
	if _, ok := provider.IsConflict(p.ScaleFrom(t.Context(), ref, 2, 4)); !ok || r.putCount() != before {
		t.Errorf("ScaleFrom on a stale count: conflict %v, PUTs %d", ok, r.putCount()-before)
	}

	// The object changes but not its count: 409, re-read, still 3, write.
	one := "1"
	before = r.race(func() { patchLabels(t, c.Client, ns, "cas", map[string]*string{"touched": &one}) })
	if err := p.ScaleFrom(t.Context(), ref, 3, 1); err != nil {
		t.Fatalf("ScaleFrom(3→1) raced by a label edit: %v", err)
	}
	// At least 2: the controller-manager's status writes can cost a retry more.
	if n := r.putCount() - before; n < 2 {
		t.Errorf("scale PUTs: %d, want 2 (409, then the retry)", n)
	}
	if n := specReplicas(t, c, ns, "cas"); n != 1 {
		t.Errorf("spec.replicas = %d, want 1", n)
	}
}

// Through the actuator over the real provider: a lower intent on a count
// another writer changed is dropped, a raise re-reads and goes ahead from
// the new count, a raise already exceeded is dropped. Nothing is lost and
// nothing is overwritten blindly.
func TestClusterActuatorRereadsOnConflict(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	createDeployment(t, c.Client, functionDeployment(ns, "act", 2, nil))
	p, r := racingProvider(t, c, ns)
	ref := provider.Ref{Name: "act", Namespace: ns}
	waitCached(t, p, ref, 30*time.Second, "listed", func(provider.Function) bool { return true })
	cfg := actuator.Default()
	cfg.Provider, cfg.Clock = p, clock.Real()
	act, err := actuator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	intent := func(who actuator.Component, from, to uint64) actuator.Intent {
		return actuator.Intent{Ref: ref, From: from, To: to, Who: who, Code: "test", Observed: time.Now()}
	}

	r.race(func() { otherWriter(t, c, ns, "act", 3) })
	if o := act.Apply(t.Context(), intent(actuator.Idler, 2, 0)); o.Code != actuator.CodeChanged || o.Current != 3 {
		t.Errorf("scale to zero raced by a raise to 3: %s (current %d): %s", o.Code, o.Current, o.Reason)
	}
	if n := specReplicas(t, c, ns, "act"); n != 3 {
		t.Fatalf("spec.replicas = %d, want the other writer's 3", n)
	}

	r.race(func() { otherWriter(t, c, ns, "act", 4) })
	if o := act.Apply(t.Context(), intent(actuator.Scaler, 3, 5)); o.Code != actuator.CodeApplied || o.From != 4 || o.To != 5 {
		t.Errorf("raise raced by a raise to 4: %s %d→%d: %s; want applied 4→5", o.Code, o.From, o.To, o.Reason)
	}
	if n := specReplicas(t, c, ns, "act"); n != 5 {
		t.Fatalf("spec.replicas = %d, want 5", n)
	}

	if o := act.Apply(t.Context(), intent(actuator.PreWarm, 3, 4)); o.Code != actuator.CodeAlreadyHigher || o.Current != 5 {
		t.Errorf("raise already exceeded: %s (current %d)", o.Code, o.Current)
	}
	if o := act.Apply(t.Context(), intent(actuator.Scaler, 5, 5)); o.Code != actuator.CodeUnchanged {
		t.Errorf("the count it has: %s", o.Code)
	}
	if n := specReplicas(t, c, ns, "act"); n != 5 {
		t.Errorf("spec.replicas = %d, want 5", n)
	}
	if w, ok := act.LastWrite(ref); !ok || w.Who != actuator.Scaler || w.From != 4 || w.To != 5 {
		t.Errorf("LastWrite = %+v", w)
	}
}

// A conflict carries the function's available replicas, not its pods: with
// its pods Pending (here: no node matches their nodeSelector), a Deployment
// has status.replicas 3, the only count its scale subresource reports, and
// availableReplicas 0. Reading the first as capacity would count pods that
// serve nothing.
func TestClusterConflictCarriesAvailableNotPods(t *testing.T) {
	c := cluster.Get(t)
	ns := c.Namespace(t)
	d := functionDeployment(ns, "pending", 3, nil)
	d.Spec.Template.Spec.NodeSelector = map[string]string{"faas-autoscaler.test/no-such-node": "true"}
	createDeployment(t, c.Client, d)
	p := startProvider(t, c.Config, ns)
	ref := provider.Ref{Name: "pending", Namespace: ns}
	testenv.WaitFor(t, 30*time.Second, "3 pods, none available", func() bool {
		live, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "pending", metav1.GetOptions{})
		return err == nil && live.Status.Replicas == 3 && live.Status.AvailableReplicas == 0
	}, func() string { return "" })
	waitCached(t, p, ref, 30*time.Second, "listed at 3", func(fn provider.Function) bool { return fn.Replicas == 3 })

	err := p.ScaleFrom(t.Context(), ref, 1, 0)
	conflict, ok := provider.IsConflict(err)
	if !ok {
		t.Fatalf("ScaleFrom(1→0) on 3: %v, want a conflict", err)
	}
	if conflict.Current != 3 || conflict.Available != 0 {
		t.Errorf("conflict: current %d, available %d; want 3, 0 (3 pods Pending)", conflict.Current, conflict.Available)
	}
}
