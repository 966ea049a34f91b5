package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestAlertmanagerFullReceiverDefaultIsValid: `alertmanager-config
// --full --receiver default` exits 0 with a config whose two receivers are
// both named "default" (the catch-all the full config adds, and ours).
// AlertManager refuses to load it ("notification config name "default" is
// not unique"). The command must either refuse the flag (exit 2 naming
// --receiver) or write a config AlertManager accepts.
// Found by a review helper.
func TestAlertmanagerFullReceiverDefaultIsValid(t *testing.T) {
	var out, errb bytes.Buffer
	code := alertmanagerConfigCmd([]string{"--full", "--receiver", "default"}, &out, &errb)
	if code == 2 && strings.Contains(errb.String(), "--receiver") {
		return // refused, naming the flag: fine
	}
	if code != 0 {
		t.Fatalf("exit %d, stderr %q; want 0 with a valid config, or 2 naming --receiver", code, errb.String())
	}
	c, err := rules.ParseAlertmanagerConfig(out.Bytes())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	seen := map[string]int{}
	for _, r := range c.Receivers {
		seen[r.Name]++
	}
	for name, n := range seen {
		if n > 1 {
			t.Errorf("exit 0, but receiver %q is defined %d times: AlertManager refuses the config", name, n)
		}
	}
	if amtool, err := exec.LookPath("amtool"); err == nil {
		f := filepath.Join(t.TempDir(), "alertmanager.yml")
		if err := os.WriteFile(f, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(amtool, "check-config", f).CombinedOutput(); err != nil {
			t.Errorf("amtool check-config refuses the generated config: %v\n%s", err, b)
		}
	}
}

// TestRulesCustomPromQLIsChecked: `rules --custom NAME=EXPR` writes
// EXPR verbatim into a recording rule without parsing it, and exits 0. A
// typo (an unclosed parenthesis) gives a rule file that promtool, and so
// Prometheus at start or reload, refuses: the generator reports success for
// an artefact the real tool rejects. Every other flag is validated and
// refused with exit 2 naming it.
// Found by a review helper.
func TestRulesCustomPromQLIsChecked(t *testing.T) {
	var out, errb bytes.Buffer
	code := rulesCmd([]string{"--custom", "gpu=avg by (function_name) (gpu_utilisation"}, &out, &errb)
	if code == 2 && strings.Contains(errb.String(), "--custom") {
		return
	}
	msg := ""
	if promtool, err := exec.LookPath("promtool"); err == nil && code == 0 {
		f := filepath.Join(t.TempDir(), "rules.yml")
		if err := os.WriteFile(f, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
			msg = "; promtool check rules: " + strings.TrimSpace(string(b))
		} else {
			return // the tool accepts it: fine
		}
	}
	t.Errorf("rules --custom with unparsable PromQL: exit %d, stderr %q; want exit 2 naming --custom%s", code, errb.String(), msg)
}

// TestPrometheusRuleMetadataIsValidKubernetes: with --format
// prometheusrule the command checks --name and --namespace, but checks the
// namespace as a DNS-1123 subdomain (dots allowed, 253 long) where
// Kubernetes wants a DNS-1123 label, and never checks --label at all. Each
// case below exits 0 with a PrometheusRule the API server refuses on apply.
// Found by a review helper.
func TestPrometheusRuleMetadataIsValidKubernetes(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		args       []string
	}{
		{"namespace with a dot", "--namespace", []string{"--namespace", "openfaas.monitoring"}},
		{"label key with a space", "--label", []string{"--label", "kube prometheus=x"}},
		{"label value with a space", "--label", []string{"--label", "release=kube prometheus"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"--format", "prometheusrule"}, tc.args...)
			code := rulesCmd(args, &out, &errb)
			if code == 2 && strings.Contains(errb.String(), tc.flag) {
				return
			}
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errb.String())
			}
			pr, err := rules.ParsePrometheusRule(out.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var problems []string
			if ns := pr.Metadata.Namespace; ns != "" {
				problems = append(problems, validation.IsDNS1123Label(ns)...)
			}
			problems = append(problems, validation.IsDNS1123Subdomain(pr.Metadata.Name)...)
			for k, v := range pr.Metadata.Labels {
				problems = append(problems, validation.IsQualifiedName(k)...)
				problems = append(problems, validation.IsValidLabelValue(v)...)
			}
			if len(problems) > 0 {
				t.Errorf("%v: exit 0, but Kubernetes refuses the metadata: %s", args, strings.Join(problems, "; "))
			}
		})
	}
}
