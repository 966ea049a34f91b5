package chart

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// renderOrRefusal renders the chart with sets (and extra helm template
// flags); ok is false when the chart refuses the values, with helm's
// stderr.
func renderOrRefusal(t *testing.T, flags []string, sets ...string) (docs []doc, stderr string, ok bool) {
	t.Helper()
	args := append([]string{"template", releaseName, chartDir, "--namespace", releaseNS}, flags...)
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, e, err := helm(t, args...)
	if err != nil {
		return nil, string(e), false
	}
	return decode(t, out), string(e), true
}

// controllerConfig is the controller's configuration as the chart's
// ConfigMap gives it, parsed (and validated) by the controller's own loader.
func controllerConfig(t *testing.T, docs []doc) config.Config {
	t.Helper()
	for _, cm := range objects[*corev1.ConfigMap](docs) {
		if cm.Name == fullname+"-config" {
			data := cm.Data["config.yaml"]
			cfg, err := config.Parse("config.yaml", []byte(data))
			if err != nil {
				t.Fatalf("the controller refuses the chart's config.yaml %q: %v", data, err)
			}
			return cfg
		}
	}
	t.Fatal("no ConfigMap " + fullname + "-config")
	return config.Config{}
}

// operatorObject returns the rendered prometheus-operator object of kind and name.
func operatorObject(t *testing.T, docs []doc, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, d := range docs {
		if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

// gatewayScrapeInterval is the scrape interval of the chart's gateway PodMonitor.
func gatewayScrapeInterval(t *testing.T, docs []doc) time.Duration {
	t.Helper()
	u := operatorObject(t, docs, "PodMonitor", fullname+"-gateway")
	eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "podMetricsEndpoints")
	iv, _, _ := unstructured.NestedString(eps[0].(map[string]any), "interval")
	d, err := time.ParseDuration(iv)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// gatewayPodMonitor.interval took any duration (its schema's pattern), and
// the chart scraped the gateway at it; but it adapted the controller's
// configuration to the gateway's interval only for the three rows of
// deploy/prometheus/README.md's table (1s, 5s, 15s: scaler.burst_window),
// and prometheus.max_scrape_gap stayed 30s, which holds two scrapes up to
// 15 s. At 30 s (the kube-prometheus-stack's default scrape interval) or 1 m
// the controller kept burst_window 10s, a window that never holds two
// samples, so every burst reading was missing; and the gap bound of 30 s
// (metricsource.GapBound) that a 30 s scrape sits exactly on and a 1 m
// scrape exceeds on every scrape, so the idler's coverage check failed on
// any late scrape (30 s) or always (1 m) and no function was scaled to zero.
// The chart ships rules for 1s, 5s and 15s only, so it now refuses any other
// interval, in the schema (an enum) and in the templates (the same refusal
// under --skip-schema-validation), naming the value and the intervals it
// supports; at each of those the configuration holds two scrapes. (A chart
// that adapts the configuration to the interval instead passes too.)
// Seen failing before the fix: 30s and 1m rendered, with burst_window 10s
// and max_scrape_gap 30s (want at least 1m and 2m), with and without the schema.
func TestGatewayScrapeIntervalOutsideTheTable(t *testing.T) {
	for _, iv := range []string{"1s", "5s", "15s", "30s", "1m"} {
		for _, skip := range []bool{false, true} {
			name := iv
			var flags []string
			if skip {
				name += "/skip-schema-validation"
				flags = []string{"--skip-schema-validation"}
			}
			t.Run(name, func(t *testing.T) {
				docs, stderr, ok := renderOrRefusal(t, flags, "gatewayPodMonitor.enabled=true", "gatewayPodMonitor.interval="+iv)
				if !ok {
					if iv == "1s" || iv == "5s" || iv == "15s" {
						t.Fatalf("the chart refuses gatewayPodMonitor.interval=%s, a row of its table:\n%s", iv, stderr)
					}
					want := []string{"/gatewayPodMonitor/interval", "'1s', '5s', '15s'"}
					if skip {
						want = []string{"gatewayPodMonitor.interval=" + iv + ":", "1s, 5s or 15s", "values.schema.json",
							"config.scaler.burst_window", "config.prometheus.max_scrape_gap"}
					}
					for _, w := range want {
						if !strings.Contains(stderr, w) {
							t.Errorf("the refusal lacks %q:\n%s", w, stderr)
						}
					}
					return
				}
				scrape := gatewayScrapeInterval(t, docs)
				cfg := controllerConfig(t, docs)
				if cfg.Scaler.BurstWindow < 2*scrape {
					t.Errorf("the gateway PodMonitor scrapes every %s but scaler.burst_window is %s: rate() over it never holds "+
						"two samples, so every burst reading is missing; want at least %s (or the chart refusing the interval)",
						scrape, cfg.Scaler.BurstWindow, 2*scrape)
				}
				if cfg.Prometheus.MaxScrapeGap < 2*scrape {
					t.Errorf("the gateway PodMonitor scrapes every %s but prometheus.max_scrape_gap is %s (\"a few scrape intervals\", "+
						"metricsource/prometheus): every scrape gap is about %s, so the idler's coverage check (gap ≤ max_scrape_gap) "+
						"fails on any late or missed scrape, and no function is scaled to zero; want at least %s (or the chart refusing the interval)",
						scrape, cfg.Prometheus.MaxScrapeGap, scrape, 2*scrape)
				}
			})
		}
	}
}
