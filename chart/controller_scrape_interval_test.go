package chart

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// controllerScrapeInterval is the scrape interval of the chart's
// ServiceMonitor or PodMonitor of the controller's /metrics.
func controllerScrapeInterval(t *testing.T, docs []doc, kind string) string {
	t.Helper()
	u := operatorObject(t, docs, kind, fullname)
	field := "endpoints"
	if kind == "PodMonitor" {
		field = "podMetricsEndpoints"
	}
	eps, _, _ := unstructured.NestedSlice(u.Object, "spec", field)
	if len(eps) != 1 {
		t.Fatalf("%s %s has %d endpoints; want 1", kind, fullname, len(eps))
	}
	iv, _, _ := unstructured.NestedString(eps[0].(map[string]any), "interval")
	return iv
}

// The rules join the gateway's load with the controller's own gauges
// (faas_autoscaler_function_replicas, …_target_load, …_max_replicas), and
// deploy/prometheus/README.md says to scrape both jobs at the same
// interval; prometheusRule.scrapeInterval is, in values.yaml, "the scrape
// interval of the gateway and controller jobs the rules assume". Yet the
// controller's ServiceMonitor and PodMonitor scraped it every 5s whatever
// that interval: at a 1s scrape the at-zero alert (replicas == 0) read a
// replica count up to 5 s old, so a call to a function just idled waited
// up to five scrapes for its alert. Unset, they now follow the gateway's
// scrape interval (the rules', or gatewayPodMonitor's); a value set stays.
// Seen failing before the fix (session 47): at prometheusRule.scrapeInterval
// 1s and 15s both monitors scraped the controller every 5s, and at
// gatewayPodMonitor.interval 1s and 15s too.
func TestControllerScrapedAtTheGatewaysInterval(t *testing.T) {
	for _, kind := range []string{"ServiceMonitor", "PodMonitor"} {
		monitor := map[string]string{"ServiceMonitor": "serviceMonitor", "PodMonitor": "podMonitor"}[kind]
		for _, scrape := range ruleIntervals {
			iv := rules.Dur(scrape).String()
			for _, src := range [][]string{
				{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=" + iv},
				{"gatewayPodMonitor.enabled=true", "gatewayPodMonitor.interval=" + iv},
			} {
				t.Run(kind+"/"+src[1], func(t *testing.T) {
					docs := decode(t, mustTemplate(t, nil, append(src, monitor+".enabled=true")...))
					if got := controllerScrapeInterval(t, docs, kind); got != iv {
						t.Errorf("the gateway is scraped every %s (%s) but the %s scrapes the controller every %s: "+
							"the rules join the two jobs' series; want %s", iv, src[1], kind, got, iv)
					}
				})
			}
		}
		t.Run(kind+"/set", func(t *testing.T) {
			docs := decode(t, mustTemplate(t, nil, "prometheusRule.enabled=true", "prometheusRule.scrapeInterval=1s",
				monitor+".enabled=true", monitor+".interval=10s"))
			if got, want := controllerScrapeInterval(t, docs, kind), (10 * time.Second).String(); got != want {
				t.Errorf("%s.interval=10s rendered %s; want %s (a value set stays)", monitor, got, want)
			}
		})
	}
}

// serviceMonitor.interval and podMonitor.interval took Go durations ("1.5s",
// "500us", "1h0m0.5s"), which the prometheus-operator's CRDs refuse: helm
// rendered them and the install failed at the API server, part of the
// release applied. Their schema's pattern is now the CRDs' own, and a value
// of either pattern's kind is judged alike.
// Seen failing before the fix (session 47): helm template accepted
// serviceMonitor.interval=1.5s and podMonitor.interval=500us, and the
// schema's pattern differed from the CRD's.
func TestControllerScrapeIntervalIsTheOperatorsDuration(t *testing.T) {
	for _, tc := range []struct {
		set  string
		want string // substring of the refusal; "" renders
	}{
		{"serviceMonitor.interval=1.5s", "/serviceMonitor/interval"},
		{"podMonitor.interval=500us", "/podMonitor/interval"},
		{"serviceMonitor.interval=1m30s", ""},
		{"podMonitor.interval=2s", ""},
	} {
		t.Run(tc.set, func(t *testing.T) {
			_, stderr, err := template(t, nil, tc.set)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("helm refuses %s:\n%s", tc.set, stderr)
			case tc.want != "" && err == nil:
				t.Errorf("helm template accepted %s, which the operator's CRD refuses", tc.set)
			case tc.want != "" && !strings.Contains(string(stderr), tc.want):
				t.Errorf("the refusal lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
	var schema struct {
		Properties map[string]struct {
			Properties map[string]struct {
				Pattern string `json:"pattern"`
			} `json:"properties"`
		} `json:"properties"`
	}
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	dir := crdDir(t)
	for crd, path := range map[string][]string{
		"servicemonitors": {"serviceMonitor", "endpoints"},
		"podmonitors":     {"podMonitor", "podMetricsEndpoints"},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, "monitoring.coreos.com_"+crd+".yaml"))
		if err != nil {
			t.Fatalf("%v (run `make prom-operator-crds`)", err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(raw, &u.Object); err != nil {
			t.Fatal(err)
		}
		versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
		want, _, _ := unstructured.NestedString(versions[0].(map[string]any), "schema", "openAPIV3Schema", "properties", "spec",
			"properties", path[1], "items", "properties", "interval", "pattern")
		if want == "" {
			t.Fatalf("%s: no pattern of spec.%s[].interval", crd, path[1])
		}
		if got := schema.Properties[path[0]].Properties["interval"].Pattern; got != want {
			t.Errorf("values.schema.json %s.interval's pattern is %q; the CRD's (%s) is %q", path[0], got, crd, want)
		}
	}
}
