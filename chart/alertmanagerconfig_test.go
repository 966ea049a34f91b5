package chart

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	amlabels "github.com/prometheus/alertmanager/pkg/labels"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// kpsExample is the kube-prometheus-stack values file.
var kpsExample = filepath.Join(chartDir, "examples", "kube-prometheus-stack.yaml")

// alertmanagerConfigs returns the rendered AlertmanagerConfig objects.
func alertmanagerConfigs(docs []doc) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, d := range docs {
		if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "AlertmanagerConfig" {
			out = append(out, u)
		}
	}
	return out
}

// oneAlertmanagerConfig renders and returns the only AlertmanagerConfig.
func oneAlertmanagerConfig(t *testing.T, values []string, sets ...string) (*unstructured.Unstructured, []doc) {
	t.Helper()
	docs := decode(t, mustTemplate(t, values, sets...))
	amcs := alertmanagerConfigs(docs)
	if len(amcs) != 1 {
		t.Fatalf("%d AlertmanagerConfigs in %v; want 1: without it the operator's AlertManager never routes an alert to the webhook",
			len(amcs), kindsOf(t, docs))
	}
	return amcs[0], docs
}

// snippet is the generated AlertManager snippet the chart ships (and NOTES
// prints) for a scrape interval: the AlertmanagerConfig must route and
// deliver as it does.
func snippet(t *testing.T, scrape time.Duration) rules.AlertmanagerSnippet {
	t.Helper()
	s, err := rules.ParseAlertmanagerSnippet([]byte(readChartFile(t, amSnippetFile(scrape))))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Routes) != 1 || len(s.Receivers) != 1 || len(s.Receivers[0].WebhookConfigs) != 1 {
		t.Fatalf("snippet: %d routes, %d receivers; the test expects one route to one webhook receiver", len(s.Routes), len(s.Receivers))
	}
	return s
}

// operatorMatchers turns AlertManager matcher strings into the operator's
// v1alpha1 Matcher objects (name, matchType, value).
func operatorMatchers(t *testing.T, ms []string) []any {
	t.Helper()
	var out []any
	for _, s := range ms {
		m, err := amlabels.ParseMatcher(s)
		if err != nil {
			t.Fatalf("snippet matcher %q: %v", s, err)
		}
		out = append(out, map[string]any{"name": m.Name, "matchType": m.Type.String(), "value": m.Value})
	}
	return out
}

// serviceURL is the webhook as AlertManager reaches the rendered Service.
func serviceURL(t *testing.T, docs []doc, path string) string {
	t.Helper()
	svcs := objects[*corev1.Service](docs)
	if len(svcs) != 1 || len(svcs[0].Spec.Ports) != 1 {
		t.Fatalf("%d Services; want one with one port", len(svcs))
	}
	s := svcs[0]
	return fmt.Sprintf("http://%s.%s:%d%s", s.Name, s.Namespace, s.Spec.Ports[0].Port, path)
}

// With the kube-prometheus-stack example the chart renders an
// AlertmanagerConfig that routes exactly what the generated snippet routes
// (its matchers, grouping and timings) to a webhook receiver at the
// controller's Service, in the release's namespace (the operator reads the
// receiver's Secrets there), labelled for the operator's selector.
func TestKubePrometheusStackExampleAlertmanagerConfig(t *testing.T) {
	amc, docs := oneAlertmanagerConfig(t, []string{kpsExample}, append(kpsSets, "alertmanagerConfig.labels.alertmanagerconfig=faas")...)
	if amc.GetAPIVersion() != "monitoring.coreos.com/v1alpha1" || amc.GetNamespace() != releaseNS || amc.GetName() != fullname {
		t.Errorf("AlertmanagerConfig %s %s/%s; want monitoring.coreos.com/v1alpha1 %s/%s", amc.GetAPIVersion(), amc.GetNamespace(), amc.GetName(), releaseNS, fullname)
	}
	if l := amc.GetLabels(); l["alertmanagerconfig"] != "faas" || l["app.kubernetes.io/name"] != "faas-autoscaler" {
		t.Errorf("labels %v; want alertmanagerConfig.labels and the chart's", l)
	}
	s := snippet(t, 5*time.Second) // the example keeps prometheusRule.scrapeInterval's default
	r, rc, wc := s.Routes[0], s.Receivers[0], s.Receivers[0].WebhookConfigs[0]
	wantRoute := map[string]any{
		"receiver":       r.Receiver,
		"matchers":       operatorMatchers(t, r.Matchers),
		"groupBy":        toAny(r.GroupBy),
		"groupWait":      r.GroupWait.String(),
		"groupInterval":  r.GroupInterval.String(),
		"repeatInterval": r.RepeatInterval.String(),
	}
	if d := cmp.Diff(wantRoute, amc.Object["spec"].(map[string]any)["route"]); d != "" {
		t.Errorf("route (-want: the snippet's +got):\n%s", d)
	}
	path := strings.TrimPrefix(wc.URL, "http://faas-autoscaler:8080")
	wantReceivers := []any{map[string]any{
		"name": rc.Name,
		"webhookConfigs": []any{map[string]any{
			"url":          serviceURL(t, docs, path),
			"sendResolved": wc.SendResolved,
			"httpConfig": map[string]any{"basicAuth": map[string]any{
				"username": map[string]any{"name": "faas-autoscaler-webhook", "key": "basic-auth-user"},
				"password": map[string]any{"name": "faas-autoscaler-webhook", "key": "basic-auth-password"},
			}},
		}},
	}}
	if d := cmp.Diff(wantReceivers, amc.Object["spec"].(map[string]any)["receivers"]); d != "" {
		t.Errorf("receivers (-want +got):\n%s", d)
	}
}

func toAny(ss []string) []any {
	var out []any
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// The receiver authenticates as the controller's webhook.auth expects: basic
// auth from the Secret the controller mounts (OpenFaaS's with provider
// openfaas), the bearer token from webhook.tokenSecret, or nothing. A
// receiver that sends the wrong credentials gets 401 on every notification.
func TestAlertmanagerConfigWebhookAuth(t *testing.T) {
	on := []string{"alertmanagerConfig.enabled=true"}
	token := []string{"webhook.tokenSecret.name=am-token", "webhook.tokenSecret.key=tok"}
	basic := func(secret string) map[string]any {
		return map[string]any{"basicAuth": map[string]any{
			"username": map[string]any{"name": secret, "key": "basic-auth-user"},
			"password": map[string]any{"name": secret, "key": "basic-auth-password"},
		}}
	}
	bearer := map[string]any{"authorization": map[string]any{
		"type": "Bearer", "credentials": map[string]any{"name": "am-token", "key": "tok"},
	}}
	for _, tc := range []struct {
		name string
		sets []string
		want map[string]any // httpConfig; nil: none
	}{
		{"basic", nil, basic("faas-autoscaler-webhook")},
		{"basic, own Secret", []string{"webhook.secretName=hooks"}, basic("hooks")},
		{"basic, openfaas", []string{"provider=openfaas"}, basic("basic-auth")},
		{"bearer", append([]string{"webhook.auth=bearer"}, token...), bearer},
		// The controller accepts either; the receiver sends basic auth, as
		// the NOTES snippet does.
		{"basic+bearer", append([]string{"webhook.auth=basic+bearer"}, token...), basic("faas-autoscaler-webhook")},
		// openfaas mounts basic-auth for the gateway; the webhook wants the token.
		{"bearer, openfaas", append([]string{"provider=openfaas", "webhook.auth=bearer"}, token...), bearer},
		{"none", []string{"webhook.auth=none"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			amc, _ := oneAlertmanagerConfig(t, nil, append(on, tc.sets...)...)
			wcs, _, _ := unstructured.NestedSlice(amc.Object, "spec", "receivers")
			if len(wcs) != 1 {
				t.Fatalf("receivers %v; want one", wcs)
			}
			hooks, _, _ := unstructured.NestedSlice(wcs[0].(map[string]any), "webhookConfigs")
			if len(hooks) != 1 {
				t.Fatalf("webhookConfigs %v; want one", hooks)
			}
			got, _ := hooks[0].(map[string]any)["httpConfig"].(map[string]any)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("httpConfig (-want +got):\n%s", d)
			}
		})
	}
}

// Off by default: a cluster without the operator's CRDs must install the chart.
func TestAlertmanagerConfigOffByDefault(t *testing.T) {
	if amcs := alertmanagerConfigs(decode(t, mustTemplate(t, nil, "prometheusRule.enabled=true"))); len(amcs) != 0 {
		t.Errorf("%d AlertmanagerConfigs with the defaults; want none", len(amcs))
	}
}

// Every alert of the PrometheusRule carries namespace=<the release's
// namespace>: the operator's default alertmanagerConfigMatcherStrategy
// (OnNamespace) adds namespace="<the AlertmanagerConfig's namespace>" to its
// route, and the generated alerts aggregate by function_name and carry no
// namespace, so without it the route matched nothing and no alert ever
// reached the webhook. Recording rules keep their labels (a namespace there
// would split the joins the alerts make), and nothing else of the generated
// rules changes.
func TestPrometheusRuleAlertsCarryTheReleaseNamespace(t *testing.T) {
	const ns = "autoscaling"
	for _, iv := range ruleIntervals {
		scrape := rules.Dur(iv).String()
		t.Run(scrape, func(t *testing.T) {
			out, stderr, err := helm(t, "template", releaseName, chartDir, "--namespace", ns,
				"--set", "prometheusRule.enabled=true", "--set", "prometheusRule.scrapeInterval="+scrape)
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, stderr)
			}
			var rule *unstructured.Unstructured
			for _, d := range decode(t, out) {
				if u, ok := d.Object.(*unstructured.Unstructured); ok && u.GetKind() == "PrometheusRule" {
					rule = u
				}
			}
			if rule == nil {
				t.Fatal("no PrometheusRule")
			}
			var want map[string]any
			if err := yaml.Unmarshal([]byte(readChartFile(t, "files/rules-"+scrape+".yml")), &want); err != nil {
				t.Fatal(err)
			}
			// Without a monitor the controller's job is unknown and the
			// health group is left out (health_alerts_test.go).
			var groups []any
			for _, g := range want["groups"].([]any) {
				if g.(map[string]any)["name"] != rules.GroupHealth {
					groups = append(groups, g)
				}
			}
			want["groups"] = groups
			alerts := 0
			for _, g := range want["groups"].([]any) {
				for _, r := range g.(map[string]any)["rules"].([]any) {
					r := r.(map[string]any)
					if _, ok := r["alert"]; !ok {
						continue
					}
					alerts++
					labels, _ := r["labels"].(map[string]any)
					if labels == nil {
						labels = map[string]any{}
					}
					labels["namespace"] = ns
					r["labels"] = labels
				}
			}
			if alerts == 0 {
				t.Fatal("the generated rules hold no alert")
			}
			if d := cmp.Diff(want, rule.Object["spec"]); d != "" {
				t.Errorf("PrometheusRule spec (-want: the generated rules, alerts with namespace=%s +got):\n%s", ns, d)
			}
		})
	}
}

// With alertmanagerConfig.enabled, NOTES say the AlertmanagerConfig routes
// the alerts, with the selector and matcher-strategy caveats, instead of
// asking for a snippet to merge (which would route every alert twice).
func TestNotesAlertmanagerConfig(t *testing.T) {
	const (
		routes = "The AlertmanagerConfig faas-autoscaler routes the scaling alerts to the webhook, http://faas-autoscaler.openfaas:8080/system/alert"
		carry  = `The operator adds namespace="openfaas" to its route`
	)
	for _, tc := range []struct {
		name  string
		sets  []string
		steps []string
		want  []string // further text NOTES must hold
	}{
		{"basic, with the rules", []string{"prometheusRule.enabled=true"},
			[]string{"The pods wait for the Secret faas-autoscaler-webhook ", routes, "Stop OpenFaaS CE's own alert scaling", "Prometheus must scrape"},
			[]string{"of the Secret faas-autoscaler-webhook", "alertmanagerConfigSelector", "the PrometheusRule's alerts carry that label"}},
		{"bearer, without the rules", []string{"webhook.auth=bearer", "webhook.tokenSecret.name=am-token"},
			[]string{"The pods wait for the Secret am-token ", routes, "Stop OpenFaaS CE's own alert scaling", "Prometheus must scrape"},
			[]string{"bearer token of the Secret am-token, key token", "must carry that label, or it routes nothing"}},
		{"none", []string{"webhook.auth=none", "prometheusRule.enabled=true"},
			[]string{routes, "Stop OpenFaaS CE's own alert scaling", "Prometheus must scrape"}, []string{"no credentials"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			notes := renderNotes(t, append([]string{"kubernetes.namespaces={fn}", "alertmanagerConfig.enabled=true"}, tc.sets...)...)
			var got []string
			for i, m := range stepLine.FindAllStringSubmatch(notes, -1) {
				if m[1] != fmt.Sprint(i+1) {
					t.Errorf("step %d is numbered %s", i+1, m[1])
				}
				got = append(got, m[2])
			}
			if len(got) != len(tc.steps) {
				t.Errorf("steps:\n  %s\nwant %d opening with:\n  %s", strings.Join(got, "\n  "), len(tc.steps), strings.Join(tc.steps, "\n  "))
			}
			for i := range min(len(got), len(tc.steps)) {
				if !strings.HasPrefix(got[i], tc.steps[i]) {
					t.Errorf("step %d: %q; want it to open with %q", i+1, got[i], tc.steps[i])
				}
			}
			for _, w := range append(tc.want, carry) {
				if !strings.Contains(strings.Join(strings.Fields(notes), " "), w) {
					t.Errorf("NOTES lack %q", w)
				}
			}
			if strings.Contains(notes, "webhook_configs") || strings.Contains(notes, "Merge this") {
				t.Error("NOTES still print the snippet to merge: the AlertmanagerConfig already routes the alerts")
			}
			if strings.Contains(notes, " \n") {
				t.Error("NOTES have trailing blanks on a line")
			}
			if t.Failed() {
				t.Logf("NOTES:\n%s", notes)
			}
		})
	}
}
