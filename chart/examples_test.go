package chart

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The kube-prometheus-stack example (the README's recipe for the
// prometheus-operator) lints, and its NetworkPolicy admits the operator's
// Prometheus and AlertManager pods, by their label alone, in their
// namespace: with the defaults' app: prometheus kept beside it, a selector
// needing both labels matched no pod of the stack, and the webhook, the
// scrape and the controller's queries were all dropped.
func TestKubePrometheusStackExample(t *testing.T) {
	values := filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")
	sets := []string{"prometheus.url=http://kps-kube-prometheus-stack-prometheus.monitoring:9090",
		"serviceMonitor.labels.release=kps", "prometheusRule.labels.release=kps"}
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
