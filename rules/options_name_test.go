package rules

import (
	"strings"
	"testing"
)

// TestPrometheusRuleNameLength: metadata.name of a PrometheusRule
// is a DNS-1123 subdomain, at most 253 characters (the API server refuses
// longer: "must be no more than 253 characters"). Validate checks the
// name's characters only, so `rules --format prometheusrule --name <254
// characters>` exited 0 with a resource kubectl apply refuses.
//
// Seen failing before the fix (found by a review): a 254-character
// PrometheusRule name was accepted; Kubernetes allows at most 253
func TestPrometheusRuleNameLength(t *testing.T) {
	o := Defaults()
	o.Format = FormatPrometheusRule
	o.Namespace = "openfaas"
	o.Name = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 62) // 254
	if len(o.Name) != 254 {
		t.Fatalf("name is %d long", len(o.Name))
	}
	if _, err := Render(o); err == nil {
		t.Errorf("a %d-character PrometheusRule name was accepted; Kubernetes allows at most 253", len(o.Name))
	}
}
