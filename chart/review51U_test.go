package chart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestReview51UCacheStaleAlertSurvivesTheChartsNamespaceLabel: the chart
// sets the static label namespace: <release namespace> on every alert of
// the PrometheusRule (templates/prometheusrule.yaml, the range that sets
// "namespace" on each rule with an "alert" key), the health group's too.
// FaasAutoscalerKubernetesCacheStale is one series per watched namespace
// and resource, and its own `namespace` label is the watched namespace
// whenever the scrape adds no namespace target label of its own — the case
// rules/health.go's watchedNamespace names ("scraped without one, it stays
// namespace"), and the chart's documented prometheusRule.healthAlerts.selector
// path for a scrape of the user's own. There the static label overwrites
// the watched namespace, the series of two namespaces get one label set,
// and Prometheus refuses the whole rule at every evaluation ("vector
// contains metrics with the same labelset after applying alert labels"):
// when the API server is unreachable, every namespace's watch fails at
// once and the alert meant for exactly that never fires.
//
// Expected: one FaasAutoscalerKubernetesCacheStale per failing namespace
// (the chart must not overwrite a label the alert's series carry, e.g.
// set namespace only on the scaling alerts, which aggregate it away, or
// keep the series' one in the health group).
func TestReview51UCacheStaleAlertSurvivesTheChartsNamespaceLabel(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		skipOrFail(t, "promtool not on PATH (make deps)")
	}
	g := healthGroup(t, "scaler", "autoscaling",
		`prometheusRule.healthAlerts.selector=job="ctl"`,
		"kubernetes.namespaces={fn-a,fn-b}")
	if g == nil {
		t.Fatal("no health group")
	}
	dir := t.TempDir()
	for i := range g.Rules {
		g.Rules[i].Annotations = nil // the labels are the point; promtool 3 compares annotations too
	}
	raw, err := yamlv3.Marshal(rules.RuleFile{Groups: []rules.RuleGroup{*g}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	const test = `rule_files: [rules.yml]
evaluation_interval: 30s
tests:
  - interval: 1m
    input_series:
      - series: 'faas_autoscaler_kubernetes_watch_failing{job="ctl",instance="10.0.0.1:8080",namespace="fn-a",resource="deployments"}'
        values: '1x20'
      - series: 'faas_autoscaler_kubernetes_watch_failing{job="ctl",instance="10.0.0.1:8080",namespace="fn-b",resource="deployments"}'
        values: '1x20'
      - series: 'up{job="ctl",instance="10.0.0.1:8080"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 15m
        alertname: FaasAutoscalerKubernetesCacheStale
        exp_alerts:
          - exp_labels: {severity: warning, namespace: fn-a, job: ctl, instance: "10.0.0.1:8080", resource: deployments}
          - exp_labels: {severity: warning, namespace: fn-b, job: ctl, instance: "10.0.0.1:8080", resource: deployments}
`
	if err := os.WriteFile(filepath.Join(dir, "unit_test.yml"), []byte(test), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "unit_test.yml")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := string(out)
		if i := strings.Index(msg, "FAILED"); i >= 0 {
			msg = msg[i:]
		}
		t.Fatalf("promtool test rules: %v\n%s", err, msg)
	}
}
