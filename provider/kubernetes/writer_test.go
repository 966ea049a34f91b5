package kubernetes

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ownReplicas moves the ownership of spec.replicas to (manager,
// subresource) as the API server does when an Update changes the count: the
// field leaves every other entry (an entry left with nothing goes) and
// joins the writer's, stamped at (nil: no time, as for the scale
// subresource).
func ownReplicas(d *appsv1.Deployment, manager, subresource string, at *metav1.Time) {
	var out []metav1.ManagedFieldsEntry
	for _, e := range d.ManagedFields {
		if e.Manager == manager && e.Subresource == subresource && e.Operation == metav1.ManagedFieldsOperationUpdate {
			continue // re-added below with the count
		}
		if e.FieldsV1 != nil {
			var m map[string]any
			if err := json.Unmarshal(e.FieldsV1.GetRawBytes(), &m); err != nil {
				panic(err)
			}
			if spec, ok := m["f:spec"].(map[string]any); ok {
				delete(spec, "f:replicas")
				if len(spec) == 0 {
					delete(m, "f:spec")
				}
			}
			if len(m) == 0 {
				continue
			}
			b, err := json.Marshal(m)
			if err != nil {
				panic(err)
			}
			e.FieldsV1 = metav1.NewFieldsV1(string(b))
		}
		out = append(out, e)
	}
	d.ManagedFields = append(out, metav1.ManagedFieldsEntry{
		Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "apps/v1", Time: at,
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`), Subresource: subresource,
	})
}

// writeReplicas is another client changing the count: faas-netes updating
// the Deployment (subresource ""), or kubectl scale (subresource "scale").
func (f *fakeCluster) writeReplicas(t *testing.T, name string, n int32, manager, subresource string, at *metav1.Time) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.deployment(fnNS, name)
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = &n
	f.bump(d)
	if err := f.Tracker().Update(deploymentsGVR, d, d.Namespace); err != nil {
		t.Fatal(err)
	}
	if _, err := f.recordOwner(d, manager, subresource, at); err != nil {
		t.Fatal(err)
	}
}

// waitOwner waits until the cache shows manager as the Update owner of
// name's count (past writeReplicas's intermediate write, which the fake's
// field manager gives to "unknown").
func waitOwner(t *testing.T, p *Provider, name, manager string) {
	t.Helper()
	testenv.WaitFor(t, 10*time.Second, name+" owned by "+manager, func() bool {
		d, err := p.deployment(provider.Ref{Name: name, Namespace: fnNS})
		if err != nil {
			return false
		}
		u := replicaUpdater(d)
		return u != nil && u.Manager == manager
	}, func() string { return "" })
}

// OpenFaaS CE's alert scaling left on writes the count through faas-netes
// after the controller did; so does a kubectl scale. The creator's
// ownership before the controller's first write is no fight; a foreign
// write after it is warned about once per (function, writer) however often
// the listing runs or the fight repeats, and explained while it holds; a
// write of the controller's after it clears the explanation.
func TestAnotherWriterAfterTheControllersIsWarnedOnceAndExplained(t *testing.T) {
	creator := updatedBy("faas-netes", replicasAndTemplate)
	f := newFakeCluster(newDeployment(fnNS, "ce", creator), newDeployment(fnNS, "hand", creator), newDeployment(fnNS, "quiet", creator))
	f.manager = "faas-autoscaler"
	var logs teststack.SyncBuffer
	p := startFake(t, f, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	ref := func(name string) provider.Ref { return provider.Ref{Name: name, Namespace: fnNS} }
	writer := func(name string) *WriterExplanation {
		t.Helper()
		v, ok := p.Explain(ref(name))
		if !ok {
			t.Fatalf("%s: no explanation", name)
		}
		return v.(DeploymentExplanation).Writer
	}
	list := func() {
		t.Helper()
		for range 3 { // the scaler lists at every pass
			if fns, err := p.Functions(t.Context(), fnNS); err != nil || len(fns) != 3 {
				t.Fatalf("Functions = %d functions, %v; want all 3 listed", len(fns), err)
			}
		}
	}
	replicas := func(n uint64) func(provider.Function) bool {
		return func(fn provider.Function) bool { return fn.Replicas == n }
	}

	list()
	for _, name := range []string{"ce", "hand", "quiet"} {
		if w := writer(name); w != nil {
			t.Errorf("%s before the controller's first write: writer %+v, want none (the creator owns the count)", name, w)
		}
	}
	for _, name := range []string{"ce", "hand", "quiet"} {
		if err := p.Scale(t.Context(), ref(name), 3); err != nil {
			t.Fatal(err)
		}
		waitFunction(t, p, ref(name), replicas(3))
		waitOwner(t, p, name, "faas-autoscaler")
	}
	if w := writer("ce"); w != nil {
		t.Errorf("after the controller's write: writer %+v, want none", w)
	}

	resolvedAt := metav1.NewTime(time.Date(2026, 12, 4, 22, 0, 5, 0, time.UTC))
	f.writeReplicas(t, "ce", 1, "faas-netes", "", &resolvedAt) // CE's alert resolved: back to min
	f.writeReplicas(t, "hand", 5, "kubectl", "scale", nil)
	waitOwner(t, p, "ce", "faas-netes")
	waitOwner(t, p, "hand", "kubectl")
	list()

	w := writer("ce")
	if w == nil || w.Manager != "faas-netes" || w.Subresource != "" || w.At == nil || !w.At.Equal(resolvedAt.Time) || w.After.IsZero() {
		t.Fatalf("ce: writer %+v; want faas-netes at %s, after the controller's write", w, resolvedAt)
	}
	for _, want := range []string{`"faas-netes"`, "deployment ce", "APIHighInvocationRate", "scale-up", "/system/alert", "empty the receiver"} {
		if !strings.Contains(w.Note, want) {
			t.Errorf("ce: note %q does not say %q", w.Note, want)
		}
	}
	h := writer("hand")
	if h == nil || h.Manager != "kubectl" || h.Subresource != "scale" || h.At != nil {
		t.Fatalf("hand: writer %+v; want kubectl through the scale subresource, with no time", h)
	}
	if strings.Contains(h.Note, "APIHighInvocationRate") || !strings.Contains(h.Note, "kubectl scale") {
		t.Errorf("hand: note %q; want the generic advice, not OpenFaaS's", h.Note)
	}
	if q := writer("quiet"); q != nil {
		t.Errorf("quiet: writer %+v, want none", q)
	}

	// The controller takes the count back: nothing to explain. CE's alert
	// resolves again: explained again, not warned again.
	if err := p.Scale(t.Context(), ref("ce"), 3); err != nil {
		t.Fatal(err)
	}
	waitOwner(t, p, "ce", "faas-autoscaler")
	list()
	if w := writer("ce"); w != nil {
		t.Errorf("after the controller's write over faas-netes's: writer %+v, want none", w)
	}
	f.writeReplicas(t, "ce", 1, "faas-netes", "", &resolvedAt)
	waitOwner(t, p, "ce", "faas-netes")
	list()
	if w := writer("ce"); w == nil || w.Manager != "faas-netes" {
		t.Errorf("after the second fight: writer %+v, want faas-netes", w)
	}

	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 2 ||
		!strings.Contains(out, "function=ce."+fnNS) || !strings.Contains(out, "writer=faas-netes") ||
		!strings.Contains(out, "function=hand."+fnNS) || !strings.Contains(out, "writer=kubectl") {
		t.Errorf("log:\n%s\nwant one WARN for ce (faas-netes) and one for hand (kubectl)", out)
	}
}

// laterWriter orders by resource version: a foreign owner in a cache that
// has not caught up with the controller's write is the owner from before
// it (the creator), not a fight.
func TestLaterWriterNeedsTheCacheToHaveSeenTheControllersWrite(t *testing.T) {
	d := newDeployment(fnNS, "fn", updatedBy("faas-netes", replicasAndTemplate))
	d.UID = "uid-1"
	obj, err := slim(d)
	if err != nil {
		t.Fatal(err)
	}
	cached := obj.(*appsv1.Deployment)
	ours := ownWrite{uid: "uid-1", rv: "20", at: time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name    string
		rv      string
		w       ownWrite
		written bool
		want    bool
	}{
		{"no write of ours since the start", "21", ownWrite{}, false, false},
		{"cache before our write", "19", ours, true, false},
		{"cache at our write", "20", ours, true, false},
		{"cache after our write", "21", ours, true, true},
		{"longer is later", "100", ours, true, true},
		{"another Deployment of the same name", "21", ownWrite{uid: "uid-0", rv: "20"}, true, false},
		{"versions that do not compare", "abc", ours, true, false},
	} {
		c := cached.DeepCopy()
		c.ResourceVersion = tc.rv
		if got := laterWriter(c, "faas-autoscaler", tc.w, tc.written); (got != nil) != tc.want {
			t.Errorf("%s: laterWriter = %+v, want one: %v", tc.name, got, tc.want)
		}
	}
	ownReplicas(d, "faas-autoscaler", "scale", nil)
	obj, _ = slim(d)
	c := obj.(*appsv1.Deployment)
	c.ResourceVersion = "30"
	if got := laterWriter(c, "faas-autoscaler", ours, true); got != nil {
		t.Errorf("the controller's own ownership reported as another writer: %+v", got)
	}
}

// slim keeps the one Update owner of spec.replicas (of the Deployment or
// of its scale subresource), not the status writers nor updaters of other
// fields.
func TestSlimKeepsTheUpdateOwnerOfTheReplicas(t *testing.T) {
	d := newDeployment(fnNS, "fn",
		updatedBy("faas-netes", templateOnly),
		updatedBy("kube-controller-manager", `{"f:status":{"f:replicas":{}}}`))
	d.ManagedFields[1].Subresource = "status"
	ownReplicas(d, "kubectl", "scale", nil)
	obj, err := slim(d)
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*appsv1.Deployment).ManagedFields
	if len(got) != 1 || got[0].Manager != "kubectl" || got[0].Subresource != "scale" || got[0].FieldsV1 != nil {
		t.Errorf("managed fields kept: %+v; want kubectl's scale entry alone, without its field set", got)
	}
	if reapplied(obj.(*appsv1.Deployment)) {
		t.Error("an Update owner of the count taken for a server-side applier")
	}
}
