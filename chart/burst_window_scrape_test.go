package chart

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// With prometheusRule.scrapeInterval=15s the chart has the operator's
// Prometheus scrape the gateway every 15 s (the gateway PodMonitor's
// interval follows that value) and loads the rules generated for a 15 s
// scrape, but left the controller's scaler.burst_window at its default
// 10 s, shorter than one scrape (found by a review helper). The controller's burst reading is
// rate(gateway_function_invocation_total[10s]) (metricsource/prometheus
// loadQuery), and rate() over a range holding at most one sample returns
// nothing: every function's burst load is missing on every pass, so the
// loop never scales up at once on a burst (burst_threshold), and a function
// at zero is woken on the stable minute's average instead of fresh
// evidence. deploy/prometheus/README.md's table gives 30s for that scrape.
// The chart renders a burst window that spans at least two of the scrapes
// it configures (the table's, unless config sets one).
func TestBurstWindowSpansTheScrapeIntervalTheChartConfigures(t *testing.T) {
	sets := []string{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=15s", "gatewayPodMonitor.enabled=true"}
	out, stderr, err := template(t, nil, sets...)
	if err != nil {
		t.Logf("the chart refuses the values (acceptable): %v\n%s", err, stderr)
		return
	}
	docs := decode(t, out)
	var data string
	for _, cm := range objects[*corev1.ConfigMap](docs) {
		if cm.Name == fullname+"-config" {
			data = cm.Data["config.yaml"]
		}
	}
	cfg, err := config.Parse("config.yaml", []byte(data))
	if err != nil {
		t.Fatalf("the controller refuses the chart's config.yaml %q: %v", data, err)
	}
	var scrape time.Duration
	for _, d := range docs {
		u, ok := d.Object.(*unstructured.Unstructured)
		if !ok || u.GetKind() != "PodMonitor" || u.GetName() != fullname+"-gateway" {
			continue
		}
		eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "podMetricsEndpoints")
		iv, _, _ := unstructured.NestedString(eps[0].(map[string]any), "interval")
		if scrape, err = time.ParseDuration(iv); err != nil {
			t.Fatal(err)
		}
	}
	if scrape == 0 {
		t.Fatal("no gateway PodMonitor interval rendered")
	}
	if cfg.Scaler.BurstWindow < 2*scrape {
		t.Errorf("the gateway is scraped every %s (gateway PodMonitor) but scaler.burst_window is %s: "+
			"rate() over it never holds two samples, so the controller's burst reading is always missing; want at least %s",
			scrape, cfg.Scaler.BurstWindow, 2*scrape)
	}
}
