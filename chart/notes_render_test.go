package chart

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// renderNotes renders NOTES.txt with helm itself and no cluster: `helm
// template` never prints NOTES, and `helm install --dry-run=client` still
// asks a cluster for its version. So a copy of the chart turns NOTES.txt
// into a named template and a manifest that carries its text; the template
// is NOTES.txt byte for byte, rendered with the same values and release.
func renderNotes(t *testing.T, sets ...string) string {
	t.Helper()
	const manifest = "templates/zz-notes-under-test.yaml"
	notes := func(notes string) string {
		return `{{- define "test.notes" -}}` + "\n" + notes + "\n{{- end }}\n"
	}
	dir := chartCopy(t, map[string]func(string) string{
		"templates/_notes_under_test.tpl": func(string) string { return notes(readChartFile(t, "templates/NOTES.txt")) },
		manifest:                          func(string) string { return `notes: {{ include "test.notes" . | toJson }}` + "\n" },
	})
	args := append([]string{"template", releaseName, dir, "--namespace", releaseNS, "--show-only", manifest}, setArgs(sets)...)
	out, stderr, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm %v: %v\n%s", args, err, stderr)
	}
	var doc struct{ Notes string }
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("NOTES manifest: %v\n%s", err, out)
	}
	return doc.Notes
}

// stepLine is a numbered step of NOTES: "1. The pods wait …".
var stepLine = regexp.MustCompile(`(?m)^(\d+)\. (.*)$`)

// Every combination of the values NOTES branch on reads as consecutive
// steps from 1, each after a blank line, and names every Secret the pods
// wait for: the basic-auth one (when the controller mounts it) and the
// bearer token's (webhook.auth with bearer), which the pods wait for just
// the same.
func TestNotesSteps(t *testing.T) {
	const (
		webhookSecret = "The pods wait for the Secret faas-autoscaler-webhook "
		openfaasAuth  = "The pods wait for the Secret basic-auth "
		tokenSecret   = "The pods wait for the Secret am-token "
		alertmanager  = "Point AlertManager at the webhook"
		stopCE        = "Stop OpenFaaS CE's own alert scaling"
		prometheus    = "Prometheus must scrape"
	)
	k8s := []string{"kubernetes.namespaces={fn}"}
	token := []string{"webhook.tokenSecret.name=am-token"}
	cases := []struct {
		name  string
		sets  []string
		steps []string // each step's opening words, in order
		// the webhook's basic auth shares OpenFaaS's Secret: NOTES say so only
		// when the webhook does use basic auth.
		sharedForWebhook bool
	}{
		{"kubernetes basic", k8s, []string{webhookSecret, alertmanager, stopCE, prometheus}, false},
		{"kubernetes basic, OpenFaaS's Secret", append(k8s, "webhook.secretName=basic-auth"),
			[]string{openfaasAuth, alertmanager, stopCE, prometheus}, false},
		{"kubernetes bearer", append(append(k8s, token...), "webhook.auth=bearer"), []string{tokenSecret, alertmanager, stopCE, prometheus}, false},
		{"kubernetes basic+bearer", append(append(k8s, token...), "webhook.auth=basic+bearer"),
			[]string{webhookSecret, tokenSecret, alertmanager, stopCE, prometheus}, false},
		{"kubernetes none", append(k8s, "webhook.auth=none"), []string{alertmanager, stopCE, prometheus}, false},
		{"kubernetes none, operator, network policy off, one replica",
			append(k8s, "webhook.auth=none", "serviceMonitor.enabled=true", "prometheusRule.enabled=true",
				"networkPolicy.enabled=false", "leaderElection.enabled=false", "replicas=1"),
			[]string{alertmanager, stopCE, prometheus}, false},
		{"openfaas basic", []string{"provider=openfaas"}, []string{openfaasAuth, alertmanager, stopCE, prometheus}, true},
		{"openfaas bearer", append([]string{"provider=openfaas", "webhook.auth=bearer"}, token...),
			[]string{openfaasAuth, tokenSecret, alertmanager, stopCE, prometheus}, false},
		{"openfaas basic+bearer", append([]string{"provider=openfaas", "webhook.auth=basic+bearer"}, token...),
			[]string{openfaasAuth, tokenSecret, alertmanager, stopCE, prometheus}, true},
		{"openfaas none", []string{"provider=openfaas", "webhook.auth=none"}, []string{openfaasAuth, alertmanager, stopCE, prometheus}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			notes := renderNotes(t, tc.sets...)
			var got []string
			for i, m := range stepLine.FindAllStringSubmatchIndex(notes, -1) {
				n, text := notes[m[2]:m[3]], notes[m[4]:m[5]]
				if n != strconv.Itoa(i+1) {
					t.Errorf("step %d is numbered %s: %q", i+1, n, text)
				}
				if !strings.HasSuffix(notes[:m[0]], "\n\n") {
					t.Errorf("step %s %q does not follow a blank line", n, text)
				}
				got = append(got, text)
			}
			if !slices.EqualFunc(got, tc.steps, strings.HasPrefix) {
				t.Errorf("steps:\n  %s\nwant steps opening with:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.steps, "\n  "))
			}
			var snippet struct {
				Receivers []struct {
					WebhookConfigs []struct{ URL string } `json:"webhook_configs"`
				}
			}
			const url = "http://" + fullname + "." + releaseNS + ":8080/system/alert"
			if err := yaml.Unmarshal([]byte(notesSnippet(notes)), &snippet); err != nil ||
				len(snippet.Receivers) != 1 || len(snippet.Receivers[0].WebhookConfigs) != 1 || snippet.Receivers[0].WebhookConfigs[0].URL != url {
				t.Errorf("AlertManager snippet: %+v, %v; want one receiver with one webhook to %s", snippet, err, url)
			}
			if shared := strings.Contains(notes, "used for the gateway and the webhook"); shared != tc.sharedForWebhook {
				t.Errorf("NOTES say the OpenFaaS Secret is the webhook's too: %v, want %v", shared, tc.sharedForWebhook)
			}
			if strings.Contains(notes, " \n") {
				t.Errorf("NOTES have trailing blanks on a line:\n%s", strings.ReplaceAll(notes, " \n", "·\n"))
			}
			if t.Failed() {
				t.Logf("NOTES:\n%s", notes)
			}
		})
	}
}
