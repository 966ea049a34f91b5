package chart

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/internal/kubecluster"
)

// cluster is this package's real API server (etcd + kube-apiserver; no
// controllers: nothing here needs pods), started by the first test that asks.
var cluster kubecluster.Shared

func TestMain(m *testing.M) { os.Exit(cluster.Main(m, kubecluster.Options{})) }

// operatorCRDs are the prometheus-operator CRDs the chart's optional objects
// need, from the operator's published manifests (`make prom-operator-crds`).
var operatorCRDs = []string{"servicemonitors", "podmonitors", "prometheusrules", "alertmanagerconfigs"}

func crdDir(t testing.TB) string {
	t.Helper()
	d := os.Getenv("PROM_OPERATOR_CRDS")
	if d == "" {
		skipOrFail(t, "PROM_OPERATOR_CRDS is not set: run `make prom-operator-crds` and export it, or use `make test-chart`")
	}
	return d
}

// applier server-side-applies unstructured objects, as `kubectl apply
// --server-side` does, finding each kind's resource through discovery.
type applier struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func newApplier(t testing.TB, c *kubecluster.Cluster) *applier {
	t.Helper()
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	return &applier{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}
}

func (a *applier) apply(ctx context.Context, u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		a.mapper.Reset() // a CRD may have just been established
		if m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return fmt.Errorf("%s: %w", gvk, err)
		}
	}
	body, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = a.dyn.Resource(m.Resource).Namespace(u.GetNamespace())
	}
	force := true
	_, err = ri.Patch(ctx, u.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "chart-test", Force: &force})
	return err
}

func toUnstructured(t testing.TB, obj runtime.Object) *unstructured.Unstructured {
	t.Helper()
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// installCRDs applies the operator's CRDs once per cluster and waits until
// the API server serves them.
func installCRDs(t *testing.T, c *kubecluster.Cluster, a *applier) {
	t.Helper()
	dir := crdDir(t)
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, name := range operatorCRDs {
		raw, err := os.ReadFile(filepath.Join(dir, "monitoring.coreos.com_"+name+".yaml"))
		if err != nil {
			t.Fatalf("%v (run `make prom-operator-crds`)", err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(raw, &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := a.apply(t.Context(), u); err != nil {
			t.Fatalf("apply CRD %s: %v", name, err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			got, err := a.dyn.Resource(crdGVR).Get(t.Context(), u.GetName(), metav1.GetOptions{})
			if err == nil && established(got) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("CRD %s not established: %v", u.GetName(), err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	a.mapper.Reset()
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// ensureNamespaces creates the release and function namespaces.
func ensureNamespaces(t *testing.T, a *applier, names ...string) {
	t.Helper()
	for _, n := range names {
		ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": n}}}
		if err := a.apply(t.Context(), ns); err != nil {
			t.Fatal(err)
		}
	}
}

// Everything the chart renders with every option on (and the PodMonitor
// variant) is accepted by a real API server through server-side apply, with
// the operator's CRDs validating the monitoring objects.
func TestClusterServerSideApply(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	installCRDs(t, c, a)
	ensureNamespaces(t, a, releaseNS, "openfaas-fn")
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"everything on", everythingOn},
		{"podmonitor", []string{"podMonitor.enabled=true", "podMonitor.labels.release=prometheus"}},
		{"openfaas", []string{"provider=openfaas", "prometheusRule.enabled=true", "prometheusRule.scrapeInterval=1s"}},
		{"kube-prometheus-stack example", kpsSets},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var values []string
			if tc.name == "kube-prometheus-stack example" {
				values = []string{filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")}
			}
			for _, d := range decode(t, mustTemplate(t, values, tc.sets...)) {
				u := toUnstructured(t, d.Object)
				if err := a.apply(t.Context(), u); err != nil {
					t.Errorf("server-side apply %s %s/%s (%s): %v", u.GetKind(), u.GetNamespace(), u.GetName(), d.Source, err)
				}
			}
		})
	}
}

// The operator's CRD validation is really on: the generated PrometheusRule
// passes it (above), and the same object with a broken field is refused.
func TestClusterPrometheusRuleValidation(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	installCRDs(t, c, a)
	ensureNamespaces(t, a, releaseNS)
	for _, iv := range ruleIntervals {
		scrape := fmt.Sprint(iv) // 1s, 5s, 15s
		t.Run(scrape, func(t *testing.T) {
			docs := decode(t, mustTemplate(t, nil, "prometheusRule.enabled=true", "prometheusRule.scrapeInterval="+scrape))
			var rule *unstructured.Unstructured
			for _, d := range docs {
				if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "PrometheusRule" {
					rule = u
				}
			}
			if rule == nil {
				t.Fatal("no PrometheusRule rendered")
			}
			if err := a.apply(t.Context(), rule); err != nil {
				t.Fatalf("generated PrometheusRule refused: %v", err)
			}
		})
	}
	t.Run("broken rule is refused", func(t *testing.T) {
		docs := decode(t, mustTemplate(t, nil, "prometheusRule.enabled=true"))
		var rule *unstructured.Unstructured
		for _, d := range docs {
			if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "PrometheusRule" {
				rule = u.DeepCopy()
			}
		}
		groups, _, _ := unstructured.NestedSlice(rule.Object, "spec", "groups")
		g := groups[0].(map[string]any)
		rs := g["rules"].([]any)
		rs[len(rs)-1].(map[string]any)["for"] = "soon" // not a Prometheus duration
		g["rules"] = rs
		_ = unstructured.SetNestedSlice(rule.Object, groups, "spec", "groups")
		rule.SetName("broken")
		err := a.apply(t.Context(), rule)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "for") {
			t.Errorf("apply with for: soon = %v; want Invalid naming the field", err)
		}
	})
}
