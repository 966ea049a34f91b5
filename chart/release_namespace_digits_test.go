package chart

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// TestAllDigitNamespacesRenderAsStrings: a namespace named "123" is a valid
// DNS label, and helm installs into it; the templates wrote
// `namespace: {{ .Release.Namespace }}` unquoted, so every object's
// metadata.namespace rendered as the YAML integer 123, which no Kubernetes
// object takes (helm's apply fails decoding it), and so did the Role and
// RoleBinding of an all-digit function namespace and the NetworkPolicy's
// namespace label selectors. Every string field that holds a namespace
// must render as a string, with every optional object on.
//
// Seen failing before the fix (session 48): "ServiceAccount r:
// metadata.namespace is float64 123, want a string" and the same for
// every namespaced object.
func TestAllDigitNamespacesRenderAsStrings(t *testing.T) {
	values := writeValues(t, `kubernetes:
  namespaces: ["456"]
serviceMonitor:
  enabled: true
prometheusRule:
  enabled: true
grafanaDashboards:
  enabled: true
podDisruptionBudget:
  enabled: true
gatewayPodMonitor:
  enabled: true
networkPolicy:
  enabled: true
`)
	out, stderr, err := helm(t, "template", "r", chartDir, "--namespace", "123", "--values", values)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	objects := 0
	for {
		text, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(text, &obj); err != nil {
			t.Fatal(err)
		}
		if obj == nil {
			continue
		}
		objects++
		meta, _ := obj["metadata"].(map[string]any)
		what := obj["kind"].(string) + " " + meta["name"].(string)
		if ns, ok := meta["namespace"]; ok {
			if _, isString := ns.(string); !isString {
				t.Errorf("%s: metadata.namespace is %T %v, want a string", what, ns, ns)
			}
		}
		walkStrings(t, what, "", obj)
	}
	if objects < 10 {
		t.Fatalf("%d objects rendered: want every optional object", objects)
	}
}

// walkStrings fails the test for a number under a key that holds a
// namespace anywhere in v: a namespace selector's label, a subject's
// namespace, a PodMonitor's matchNames.
func walkStrings(t *testing.T, what, key string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			walkStrings(t, what, k, e)
		}
	case []any:
		for _, e := range x {
			walkStrings(t, what, key, e)
		}
	case float64, int64, int:
		switch key {
		case "namespace", "kubernetes.io/metadata.name", "matchNames":
			t.Errorf("%s: %s is %T %v, want a string", what, key, x, x)
		}
	}
}
