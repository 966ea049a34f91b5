package rules

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReview50RouteLeavesOtherAlertsOfTheControllersService: the snippet's
// route matches service="faas-autoscaler" alone. prometheus-operator gives a
// ServiceMonitor's targets service="<the Service>" (health.go says so), the
// shipped Service is named faas-autoscaler (deploy/kubernetes/service.yaml),
// and kube-prometheus-stack's TargetDown keeps that label (count by (job,
// namespace, service)). Merged into a user's config as the package's own
// amtool test merges it, the route takes TargetDown for the controller's
// Service to the controller's webhook instead of the user's pager: the
// one alert saying the controller is not scraped never reaches a person,
// and the controller answers it 400 (no function_name: alerts/mapping.go),
// every repeat_interval, which counts toward FaasAutoscalerWebhookRefused. The route should match
// the scaling alerts only (their names, or a label only they carry).
func TestReview50RouteLeavesOtherAlertsOfTheControllersService(t *testing.T) {
	bin := tool(t, "", "amtool")
	dir := t.TempDir()
	v, err := GenerateAlertmanager(DefaultAlertmanagerOptions())
	if err != nil {
		t.Fatal(err)
	}
	snip := v.(AlertmanagerSnippet)
	users := AlertmanagerConfig{
		Route: &Route{Receiver: "team-pager", GroupBy: []string{"alertname", "cluster"},
			Routes: append(snip.Routes, Route{Receiver: "team-pager", Matchers: []string{`severity="critical"`}})},
		Receivers: append([]Receiver{{Name: "team-pager", WebhookConfigs: []WebhookConfig{{URL: "http://pager.example:9000/hook"}}}}, snip.Receivers...),
	}
	merged, err := marshalYAML("", users)
	if err != nil {
		t.Fatal(err)
	}
	f := writeFile(t, dir, "merged.yml", merged)
	route := func(labels ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"config", "routes", "test", "--config.file=" + f}, labels...)...).Output()
		if err != nil {
			t.Fatalf("amtool config routes test %v: %v\n%s", labels, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// The scaling alert still reaches the controller.
	if got := route("alertname="+AlertLoadAboveTarget, "service=faas-autoscaler", "function_name=fn.openfaas-fn", "direction=up", "scaling_type=rps"); got != snip.Receivers[0].Name {
		t.Fatalf("%s routed to %q, want %q", AlertLoadAboveTarget, got, snip.Receivers[0].Name)
	}
	// kube-prometheus-stack's TargetDown for the controller's Service.
	if got := route("alertname=TargetDown", "job=faas-autoscaler", "namespace=openfaas", "service=faas-autoscaler", "severity=warning"); got != "team-pager" {
		t.Errorf("TargetDown{service=\"faas-autoscaler\"} routed to %q, want the user's team-pager: the snippet's route takes every alert of the controller's Service to the webhook", got)
	}
}
