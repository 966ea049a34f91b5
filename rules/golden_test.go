package rules

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

var update = flag.Bool("update", false, "rewrite the generated files under deploy/ instead of comparing")

// deployDir is where the generated artefacts are committed.
const deployDir = "../deploy"

// artefact is one generated file under deploy/.
type artefact struct {
	path   string
	render func() ([]byte, error)
}

func ceOptions() Options { o := Defaults(); o.CECompatible = true; return o }

func prometheusRuleOptions() Options {
	o := Defaults()
	o.Format = FormatPrometheusRule
	o.Namespace = "openfaas"
	o.Labels = map[string]string{"release": "prometheus"}
	return o
}

func fullAlertmanagerOptions() AlertmanagerOptions {
	o := DefaultAlertmanagerOptions()
	o.Full = true
	return o
}

func artefacts() []artefact {
	return []artefact{
		{"prometheus/rules.yml", func() ([]byte, error) { return Render(Defaults()) }},
		{"prometheus/rules-ce-compatible.yml", func() ([]byte, error) { return Render(ceOptions()) }},
		{"prometheus/prometheusrule.yaml", func() ([]byte, error) { return Render(prometheusRuleOptions()) }},
		{"prometheus/tests/rules_test.yml", func() ([]byte, error) { return renderUnitTests(scalingUnitTests(Defaults(), "../rules.yml")) }},
		{"prometheus/tests/rules-ce-compatible_test.yml", func() ([]byte, error) {
			return renderUnitTests(ceUnitTests(ceOptions(), "../rules-ce-compatible.yml"))
		}},
		{"prometheus/tests/health_test.yml", func() ([]byte, error) { return renderUnitTests(healthUnitTests(Defaults(), "../rules.yml")) }},
		{"alertmanager/alertmanager-snippet.yml", func() ([]byte, error) { return RenderAlertmanager(DefaultAlertmanagerOptions()) }},
		{"alertmanager/alertmanager.yml", func() ([]byte, error) { return RenderAlertmanager(fullAlertmanagerOptions()) }},
	}
}

// TestGolden keeps the committed files under deploy/ equal to what the
// generator produces, so a generator change shows in review. Run
// `go test ./rules -update` to regenerate.
func TestGolden(t *testing.T) {
	for _, a := range artefacts() {
		t.Run(a.path, func(t *testing.T) {
			got, err := a.render()
			if err != nil {
				t.Fatal(err)
			}
			teststack.Golden(t, filepath.Join(deployDir, a.path), got, *update, "go test ./rules -update")
		})
	}
}

// TestRoundTrip parses what was rendered, strictly, and compares it with the
// typed value it came from.
func TestRoundTrip(t *testing.T) {
	for name, o := range map[string]Options{"defaults": Defaults(), "ce": ceOptions(), "1s": ForScrapeInterval(1e9), "15s": ForScrapeInterval(15e9)} {
		t.Run(name, func(t *testing.T) {
			want, err := Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			out, err := Render(o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseRuleFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
		})
	}
	t.Run("prometheusrule", func(t *testing.T) {
		o := prometheusRuleOptions()
		want, _ := Generate(o)
		out, err := Render(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePrometheusRule(out)
		if err != nil {
			t.Fatal(err)
		}
		if got.APIVersion != "monitoring.coreos.com/v1" || got.Kind != "PrometheusRule" ||
			got.Metadata.Name != o.Name || got.Metadata.Namespace != o.Namespace {
			t.Errorf("header = %+v %+v", got.APIVersion+" "+got.Kind, got.Metadata)
		}
		if d := cmp.Diff(want.Groups, got.Spec.Groups); d != "" {
			t.Errorf("groups (-want +got):\n%s", d)
		}
	})
	t.Run("alertmanager", func(t *testing.T) {
		out, err := RenderAlertmanager(fullAlertmanagerOptions())
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := ParseAlertmanagerConfig(out)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := GenerateAlertmanager(fullAlertmanagerOptions())
		if d := cmp.Diff(want, cfg); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
		snip, err := RenderAlertmanager(DefaultAlertmanagerOptions())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseAlertmanagerSnippet(snip)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(cfg.Route.Routes, s.Routes); d != "" {
			t.Errorf("snippet routes differ from the full config's (-full +snippet):\n%s", d)
		}
	})
}
