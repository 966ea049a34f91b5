package chart

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kpsSets are what the example's header says to set.
var kpsSets = []string{"prometheus.url=http://kps-kube-prometheus-stack-prometheus.monitoring:9090",
	"serviceMonitor.labels.release=kps", "prometheusRule.labels.release=kps", "gatewayPodMonitor.labels.release=kps"}

// The kube-prometheus-stack example (the README's recipe for the
// prometheus-operator) lints, and its NetworkPolicy admits the operator's
// Prometheus and AlertManager pods, by their label alone, in their
// namespace: with the defaults' app: prometheus kept beside it, a selector
// needing both labels matched no pod of the stack, and the webhook, the
// scrape and the controller's queries were all dropped.
func TestKubePrometheusStackExample(t *testing.T) {
	values := filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")
	sets := kpsSets
	args := []string{"lint", "--strict", chartDir, "--namespace", releaseNS, "--values", values}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	if out, stderr, err := helm(t, args...); err != nil {
		t.Fatalf("helm lint --strict: %v\n%s%s", err, out, stderr)
	}
	docs := decode(t, mustTemplate(t, []string{values}, sets...))
	kinds := map[string]bool{}
	for _, k := range kindsOf(t, docs) {
		kinds[k] = true
	}
	for _, want := range []string{"ServiceMonitor openfaas/faas-autoscaler", "PrometheusRule openfaas/faas-autoscaler"} {
		if !kinds[want] {
			t.Errorf("no %s in %v", want, kindsOf(t, docs))
		}
	}
	nps := objects[*networkingv1.NetworkPolicy](docs)
	if len(nps) != 1 {
		t.Fatalf("%d NetworkPolicies; want 1", len(nps))
	}
	peer := func(name string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": name}},
		}
	}
	am, prom := peer("alertmanager"), peer("prometheus")
	np := nps[0].Spec
	if len(np.Ingress) == 0 || len(np.Egress) < 2 {
		t.Fatalf("ingress %d rules, egress %d; want the webhook/scrape rule and DNS, Prometheus", len(np.Ingress), len(np.Egress))
	}
	if d := cmp.Diff([]networkingv1.NetworkPolicyPeer{am, prom}, np.Ingress[0].From); d != "" {
		t.Errorf("ingress from (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]networkingv1.NetworkPolicyPeer{prom}, np.Egress[1].To); d != "" {
		t.Errorf("egress to Prometheus (-want +got):\n%s", d)
	}
}

// With the example, the operator's Prometheus also scrapes the OpenFaaS
// gateway, whose gateway_function_* series every rule reads: OpenFaaS's
// bundled Prometheus finds it by its pod annotations (prometheus.io/port
// 8082), the operator's does not. The metrics port is not a declared
// container port (the gateway declares only http, 8080), so the PodMonitor
// selects that one and moves the address to 8082, at the interval the rules
// assume.
func TestKubePrometheusStackExampleScrapesTheGateway(t *testing.T) {
	values := filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")
	var pm *unstructured.Unstructured
	for _, d := range decode(t, mustTemplate(t, []string{values}, kpsSets...)) {
		if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "PodMonitor" && u.GetName() == fullname+"-gateway" {
			pm = u
		}
	}
	if pm == nil {
		t.Fatal("no PodMonitor faas-autoscaler-gateway: the operator's Prometheus never scrapes the gateway, and no rule ever fires")
	}
	want := map[string]any{
		"selector":          map[string]any{"matchLabels": map[string]any{"app": "gateway"}},
		"namespaceSelector": map[string]any{"matchNames": []any{"openfaas"}},
		"podMetricsEndpoints": []any{map[string]any{
			"port": "http", "path": "/metrics", "interval": "5s",
			"relabelings": []any{map[string]any{
				"sourceLabels": []any{"__address__"}, "regex": "(.+):[0-9]+",
				"targetLabel": "__address__", "replacement": "$1:8082", "action": "replace",
			}},
		}},
	}
	if d := cmp.Diff(want, pm.Object["spec"]); d != "" {
		t.Errorf("gateway PodMonitor spec (-want +got):\n%s", d)
	}
	if pm.GetLabels()["release"] != "kps" || pm.GetNamespace() != releaseNS {
		t.Errorf("gateway PodMonitor %s/%s labels %v; want in %s with release: kps", pm.GetNamespace(), pm.GetName(), pm.GetLabels(), releaseNS)
	}
}
