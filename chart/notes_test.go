package chart

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// `helm upgrade --install` as the README says, against the real API server:
// the release installs, its NOTES carry the generated AlertManager receiver
// snippet pointed at this release's Service (and parse as the generator's
// type), and an upgrade that changes `config` changes the pods'
// checksum/config in the cluster, so they roll.
func TestClusterHelmInstallNotesAndUpgrade(t *testing.T) {
	c := cluster.Get(t)
	a := newApplier(t, c)
	const ns = "helm-release"
	ensureNamespaces(t, a, ns, "helm-fn")
	env := []string{"KUBECONFIG=" + c.Kubeconfig}
	install := func(release string, sets ...string) string {
		t.Helper()
		args := append([]string{"upgrade", "--install", release, chartDir, "--namespace", ns}, setArgs(sets)...)
		out, stderr, err := helmEnv(t, env, args...)
		if err != nil {
			t.Fatalf("helm %v: %v\n%s", args, err, stderr)
		}
		_, notes, ok := strings.Cut(string(out), "NOTES:\n")
		if !ok {
			t.Fatalf("no NOTES in:\n%s", out)
		}
		return notes
	}
	checkNotes := func(notes, url, passwordFile string) {
		t.Helper()
		if !strings.Contains(notes, url) {
			t.Errorf("NOTES lack the webhook URL %s:\n%s", url, notes)
		}
		snippet := notesSnippet(notes)
		s, err := rules.ParseAlertmanagerSnippet([]byte(snippet))
		if err != nil {
			t.Fatalf("snippet in NOTES does not parse: %v\n%s", err, snippet)
		}
		if len(s.Receivers) != 1 || len(s.Receivers[0].WebhookConfigs) != 1 || s.Receivers[0].WebhookConfigs[0].URL != url {
			t.Errorf("snippet receivers = %+v; want one webhook to %s", s.Receivers, url)
		} else if auth := s.Receivers[0].WebhookConfigs[0].HTTPConfig.BasicAuth; auth.PasswordFile != passwordFile {
			t.Errorf("snippet basic_auth = %+v; want the password file %s", auth, passwordFile)
		}
	}

	notes := install("faas-autoscaler", "kubernetes.namespaces={helm-fn}")
	checkNotes(notes, "http://faas-autoscaler.helm-release:8080/system/alert", "/var/secrets/faas-autoscaler/basic-auth-password")
	checksum := func() string {
		d, err := c.Client.AppsV1().Deployments(ns).Get(t.Context(), "faas-autoscaler", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d.Spec.Template.Annotations["checksum/config"]
	}
	before := checksum()
	install("faas-autoscaler", "kubernetes.namespaces={helm-fn}", "config.idler.schedule=@every 1m")
	if after := checksum(); after == before || after == "" {
		t.Errorf("checksum/config %q → %q after a config change; want a new value", before, after)
	}
	cm, err := c.Client.CoreV1().ConfigMaps(ns).Get(t.Context(), "faas-autoscaler-config", metav1.GetOptions{})
	if err != nil || cm.Data["config.yaml"] != "idler:\n  schedule: '@every 1m'\n" {
		t.Errorf("config.yaml after upgrade = %q, %v", cm.Data["config.yaml"], err)
	}

	notes = install("gw", "provider=openfaas")
	// OpenFaaS's AlertManager has the basic-auth Secret at /var/secrets
	// (reference/openfaas.md); the snippet pasted as printed must work there.
	checkNotes(notes, "http://gw-faas-autoscaler.helm-release:8080/system/alert", "/var/secrets/basic-auth-password")

	// The provider kubernetes reusing OpenFaaS's basic-auth Secret for the
	// webhook (so OpenFaaS's own AlertManager, which mounts it at
	// /var/secrets, can authenticate): the password file is where that
	// AlertManager has it.
	notes = install("shared", "kubernetes.namespaces={helm-fn}", "webhook.secretName=basic-auth")
	checkNotes(notes, "http://shared-faas-autoscaler.helm-release:8080/system/alert", "/var/secrets/basic-auth-password")

	// A bearer-only webhook answers 401 to basic auth: the receiver must
	// send the token; and with no auth the receiver sends none (a
	// password_file AlertManager cannot read fails every notification).
	webhookHTTPConfig := func(notes string) map[string]any {
		t.Helper()
		var s struct {
			Receivers []struct {
				WebhookConfigs []map[string]any `json:"webhook_configs"`
			} `json:"receivers"`
		}
		snippet := notesSnippet(notes)
		if err := yaml.Unmarshal([]byte(snippet), &s); err != nil {
			t.Fatalf("snippet in NOTES does not parse: %v\n%s", err, snippet)
		}
		if len(s.Receivers) != 1 || len(s.Receivers[0].WebhookConfigs) != 1 {
			t.Fatalf("snippet receivers = %+v; want one webhook", s.Receivers)
		}
		hc, _ := s.Receivers[0].WebhookConfigs[0]["http_config"].(map[string]any)
		return hc
	}
	notes = install("bearer", "kubernetes.namespaces={helm-fn}", "webhook.auth=bearer",
		"webhook.tokenSecret.name=am-token", "webhook.tokenSecret.key=token")
	want := map[string]any{"authorization": map[string]any{"type": "Bearer", "credentials_file": "/var/secrets/faas-autoscaler-token/token"}}
	if d := cmp.Diff(want, webhookHTTPConfig(notes)); d != "" {
		t.Errorf("webhook.auth=bearer: receiver http_config (-want +got):\n%s\n%s", d, notes)
	}
	notes = install("noauth", "kubernetes.namespaces={helm-fn}", "webhook.auth=none")
	if hc := webhookHTTPConfig(notes); len(hc) != 0 {
		t.Errorf("webhook.auth=none: receiver http_config = %v; want none\n%s", hc, notes)
	}
}

// notesSnippet is the AlertManager snippet in NOTES: the block indented by
// four spaces in the step that points AlertManager at the webhook (its
// number depends on the Secrets steps before it).
func notesSnippet(notes string) string {
	_, rest, _ := strings.Cut(notes, ". Point AlertManager at the webhook")
	var snippet []string
	started := false
	for line := range strings.SplitSeq(rest, "\n") {
		s, ok := strings.CutPrefix(line, "    ")
		switch {
		case ok:
			started = true
			snippet = append(snippet, s)
		case started && strings.TrimSpace(line) != "":
			return strings.Join(snippet, "\n")
		}
	}
	return strings.Join(snippet, "\n")
}

func setArgs(sets []string) []string {
	var out []string
	for _, s := range sets {
		out = append(out, "--set", s)
	}
	return out
}
