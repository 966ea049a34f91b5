package chart

import (
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// With gatewayPodMonitor on (the kube-prometheus-stack example), the
// operator's Prometheus scrapes the gateway under the job the
// prometheus-operator names every PodMonitor's targets,
// "<namespace>/<name>", with a pod label, not kubernetes_pod_name. The
// controller's default coverage selector names the OpenFaaS chart's jobs
// (gateway, openfaas-pods) and so matched no up series there: the idler
// found "no scrape of the gateway" in every window and never scaled a
// function to zero, and no gateway replica was ever seen down. The chart
// now sets prometheus.coverage_selector to the PodMonitor's job, unless
// the config value sets one.
func TestGatewayPodMonitorSetsTheCoverageSelector(t *testing.T) {
	example := filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")
	render := func(values []string, sets ...string) (cfg config.Config, job string) {
		t.Helper()
		docs := decode(t, mustTemplate(t, values, sets...))
		var data string
		for _, cm := range objects[*corev1.ConfigMap](docs) {
			if cm.Name == fullname+"-config" {
				data = cm.Data["config.yaml"]
			}
		}
		for _, d := range docs {
			if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "PodMonitor" && u.GetName() == fullname+"-gateway" {
				job = u.GetNamespace() + "/" + u.GetName() // the operator's job label
			}
		}
		cfg, err := config.Parse("config.yaml", []byte(data))
		if err != nil {
			t.Fatalf("the controller refuses the chart's config.yaml %q: %v", data, err)
		}
		return cfg, job
	}

	cfg, job := render([]string{example}, kpsSets...)
	if job == "" {
		t.Fatal("no gateway PodMonitor rendered")
	}
	if want := `up{job="` + job + `"}`; cfg.Prometheus.CoverageSelector != want {
		t.Errorf("with the gateway PodMonitor the coverage selector is %s; want %s, the PodMonitor's targets",
			cfg.Prometheus.CoverageSelector, want)
	}

	// Other prometheus keys of the config value stay beside it.
	cfg, job = render([]string{example}, append(kpsSets, "config.prometheus.timeout=7s")...)
	if want := `up{job="` + job + `"}`; cfg.Prometheus.CoverageSelector != want || cfg.Prometheus.Timeout.String() != "7s" {
		t.Errorf("with prometheus.timeout set: selector %s, timeout %s; want %s and 7s",
			cfg.Prometheus.CoverageSelector, cfg.Prometheus.Timeout, want)
	}

	// The operator's own selector wins.
	mine := `up{job="openfaas/my-gateway"}`
	cfg, _ = render([]string{example}, append(kpsSets, "config.prometheus.coverage_selector="+mine)...)
	if cfg.Prometheus.CoverageSelector != mine {
		t.Errorf("config.prometheus.coverage_selector %s replaced by %s", mine, cfg.Prometheus.CoverageSelector)
	}

	// Without the PodMonitor (OpenFaaS's bundled Prometheus) the default stands.
	cfg, job = render(nil)
	if job != "" || cfg.Prometheus.CoverageSelector != config.Default().Prometheus.CoverageSelector {
		t.Errorf("without gatewayPodMonitor: selector %s (PodMonitor %q); want the default %s",
			cfg.Prometheus.CoverageSelector, job, config.Default().Prometheus.CoverageSelector)
	}
}
