package chart

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// healthGroup renders the chart in namespace ns as release rel with sets
// and returns the PrometheusRule's health group (nil without one).
func healthGroup(t *testing.T, rel, ns string, sets ...string) *rules.RuleGroup {
	t.Helper()
	args := append([]string{"template", rel, chartDir, "--namespace", ns, "--set", "prometheusRule.enabled=true"}, setArgs(sets)...)
	out, stderr, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm %v: %v\n%s", args, err, stderr)
	}
	for _, d := range decode(t, out) {
		u, ok := d.Object.(*unstructured.Unstructured)
		if !ok || u.GetKind() != "PrometheusRule" {
			continue
		}
		raw, err := yaml.Marshal(u.Object["spec"])
		if err != nil {
			t.Fatal(err)
		}
		f, err := rules.ParseRuleFile(raw)
		if err != nil {
			t.Fatalf("PrometheusRule spec: %v\n%s", err, raw)
		}
		for i, g := range f.Groups {
			if g.Name == rules.GroupHealth {
				return &f.Groups[i]
			}
		}
		return nil
	}
	t.Fatal("no PrometheusRule")
	return nil
}

// The health alerts select the controller's series by the job the
// prometheus-operator gives this release's monitor: a ServiceMonitor's
// targets take the Service's name as job (the same in every namespace, so
// the namespace too), a PodMonitor's <namespace>/<name>. The generator's
// job="faas-autoscaler" left as it was would match no target of a release
// named otherwise, and FaasAutoscalerDown (absent) would page for good.
// Without a monitor or a selector the job is unknown: the group is left out,
// and NOTES say so.
func TestHealthAlertsSelectTheMonitorsJob(t *testing.T) {
	const rel, ns = "scaler", "autoscaling"
	for _, tc := range []struct {
		name string
		sets []string
		want string // the matchers of every selector; "" for no group
	}{
		{"servicemonitor", []string{"serviceMonitor.enabled=true"}, `job="scaler-faas-autoscaler",namespace="autoscaling"`},
		{"podmonitor", []string{"podMonitor.enabled=true"}, `job="autoscaling/scaler-faas-autoscaler"`},
		{"selector", []string{"serviceMonitor.enabled=true", `prometheusRule.healthAlerts.selector=job="ctl"`}, `job="ctl"`},
		{"no monitor", nil, ""},
		{"off", []string{"serviceMonitor.enabled=true", "prometheusRule.healthAlerts.enabled=false"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := healthGroup(t, rel, ns, tc.sets...)
			if tc.want == "" {
				if g != nil {
					t.Fatalf("health group rendered: %+v", g)
				}
				return
			}
			if g == nil {
				t.Fatal("no health group")
			}
			for _, r := range g.Rules {
				if strings.Contains(r.Expr, `job="faas-autoscaler"`) || strings.Count(r.Expr, "{"+tc.want) != strings.Count(r.Expr, "{") {
					t.Errorf("%s does not select {%s…} everywhere:\n%s", r.Alert, tc.want, r.Expr)
				}
				// The series' own where it has one (the watched namespace's
				// for the cache alert: a fixed one merged its series, review
				// 51), the release's otherwise: a label template.
				if want := "{{ if $labels.namespace }}{{ $labels.namespace }}{{ else }}" + ns + "{{ end }}"; r.Labels["namespace"] != want {
					t.Errorf("%s: namespace label %q, want %q", r.Alert, r.Labels["namespace"], want)
				}
			}
		})
	}
	notes := func(sets ...string) string {
		return strings.Join(strings.Fields(renderNotes(t, append([]string{"prometheusRule.enabled=true"}, sets...)...)), " ")
	}
	const leftOut = "Its health alerts (faas-autoscaler-health) are left out"
	if n := notes(); !strings.Contains(n, leftOut) {
		t.Errorf("NOTES without a monitor do not say the health alerts are left out:\n%s", n)
	}
	for _, sets := range [][]string{{"serviceMonitor.enabled=true"}, {"prometheusRule.healthAlerts.enabled=false"}} {
		if n := notes(sets...); strings.Contains(n, leftOut) {
			t.Errorf("NOTES with %v say the health alerts are left out", sets)
		}
	}
}

// The rewritten group is still rules Prometheus loads, and it reads the
// monitor's series: promtool, on the ServiceMonitor's rendering, with the
// controller scraped under the Service's job, has no FaasAutoscalerDown;
// with the controller's series under the generator's default job only, it
// has (the rewrite is what makes the alert see the controller).
func TestHealthAlertsRewrittenRulesWork(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		skipOrFail(t, "promtool not on PATH (make deps)")
	}
	g := healthGroup(t, "scaler", "autoscaling", "serviceMonitor.enabled=true")
	if g == nil {
		t.Fatal("no health group")
	}
	dir := t.TempDir()
	raw, err := yamlv3.Marshal(rules.RuleFile{Groups: []rules.RuleGroup{*g}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", filepath.Join(dir, "rules.yml")).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	test := `rule_files: [rules.yml]
evaluation_interval: 30s
tests:
  - interval: 1m
    input_series:
      - series: 'up{job="scaler-faas-autoscaler",namespace="autoscaling",instance="10.0.0.1:8080"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 10m
        alertname: FaasAutoscalerDown
        exp_alerts: []
  - interval: 1m
    input_series:
      - series: 'up{job="faas-autoscaler",namespace="autoscaling",instance="10.0.0.1:8080"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 10m
        alertname: FaasAutoscalerDown
        exp_alerts:
          - exp_labels: {severity: critical, namespace: autoscaling}
            exp_annotations:
__ANNOTATIONS__
`
	var ann []string
	for _, r := range g.Rules {
		if r.Alert == rules.AlertControllerDown {
			for _, k := range slices.Sorted(maps.Keys(r.Annotations)) {
				v, _ := json.Marshal(r.Annotations[k]) // a JSON string is a YAML one
				ann = append(ann, "              "+k+": "+string(v))
			}
		}
	}
	test = strings.Replace(test, "__ANNOTATIONS__", strings.Join(ann, "\n"), 1)
	if err := os.WriteFile(filepath.Join(dir, "unit_test.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "unit_test.yml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
