package chart

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// serviceMonitor.interval and podMonitor.interval take the operator's
// Duration grammar, whose CRD pattern (and so values.schema.json's, the
// same since 801fc45) admits "0"; the templates wrote the value unquoted,
// so "0" rendered as the YAML integer 0, which the CRDs' `type: string`
// refuses at the API server after helm passed it: the failure 801fc45 set
// out to move into helm ("1.5s passed helm and failed at the API server").
// gatewayPodMonitor.namespace had the same flaw in the PodMonitor's
// namespaceSelector.matchNames (a namespace named "0" is a valid DNS label).
// Seen failing before the fix (session 47): "serviceMonitor.interval "0"
// passed helm and renders as float64 0" (podMonitor alike), and
// gatewayPodMonitor.namespace "0" rendered matchNames [float64 0].
func TestMonitorIntervalOfZeroRendersAsAString(t *testing.T) {
	for _, tc := range []struct{ monitor, kind, field string }{
		{"serviceMonitor", "ServiceMonitor", "endpoints"},
		{"podMonitor", "PodMonitor", "podMetricsEndpoints"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			values := writeValues(t, tc.monitor+":\n  enabled: true\n  interval: \"0\"\n")
			out, stderr, err := template(t, []string{values})
			if err != nil {
				t.Skipf("helm refuses %s.interval \"0\" (a refusal is fine too):\n%s", tc.monitor, stderr)
			}
			u := operatorObject(t, decode(t, out), tc.kind, fullname)
			eps, _, _ := unstructured.NestedSlice(u.Object, "spec", tc.field)
			if len(eps) != 1 {
				t.Fatalf("%d endpoints, want 1", len(eps))
			}
			v := eps[0].(map[string]any)["interval"]
			if _, ok := v.(string); !ok {
				t.Errorf("%s.interval \"0\" passed helm and renders as %T %v; the %s CRD's interval is a string (the API server refuses the install)",
					tc.monitor, v, v, tc.kind)
			}
		})
	}
	t.Run("gatewayPodMonitor.namespace", func(t *testing.T) {
		values := writeValues(t, "gatewayPodMonitor:\n  enabled: true\n  namespace: \"0\"\n")
		out, stderr, err := template(t, []string{values})
		if err != nil {
			t.Skipf("helm refuses gatewayPodMonitor.namespace \"0\" (a refusal is fine too):\n%s", stderr)
		}
		u := operatorObject(t, decode(t, out), "PodMonitor", fullname+"-gateway")
		names, _, _ := unstructured.NestedSlice(u.Object, "spec", "namespaceSelector", "matchNames")
		if len(names) != 1 {
			t.Fatalf("matchNames %v, want one", names)
		}
		if _, ok := names[0].(string); !ok {
			t.Errorf("gatewayPodMonitor.namespace \"0\" passed helm and renders matchNames [%T %v]; the PodMonitor CRD's matchNames are strings",
				names[0], names[0])
		}
	})
}
