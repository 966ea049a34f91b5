package chart

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/config"
)

// writeValues writes a values file into a temp dir and returns its path.
func writeValues(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// configSections are the yaml names of config.Config's sections, the keys
// of the chart's `config` value.
func configSections() []string {
	var names []string
	t := reflect.TypeFor[config.Config]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		names = append(names, name)
	}
	return names
}

// A config section whose keys are all commented out (the chart's values.yaml
// shows config as "scaler:\n  burst_window: 4s"; commented out, that is
// "scaler: null") is a file the controller accepts (config/decode.go: "A
// null section (a key whose body is all commented out) changes nothing").
// helm refused it: the schema wanted an object, and with the schema skipped
// fa.checkConfig's dig panicked on the null section, where before 72de576
// the chart rendered it. A refusal of what the controller accepts fails the
// install or upgrade of a working configuration. Every section null renders
// too, the keys the chart sets itself (scaler.burst_window for a 15s scrape,
// prometheus.coverage_selector for the gateway's PodMonitor) land in their
// null sections, and a section beside a null one is still checked. So for
// `config:` itself with every section commented out, which helm drops from
// the values (a null removes the chart's default, `config: {}`).
// Seen failing before the fix (session 47): "at '/config/scaler': got null,
// want object" with the schema, and without it "error calling dig:
// interface conversion: interface {} is nil, not map[string]interface {}";
// and for `config:` null, at the root: "missing property 'config'".
func TestConfigSectionWithEveryKeyCommentedOutRenders(t *testing.T) {
	var all strings.Builder
	all.WriteString("config:\n")
	for _, s := range configSections() {
		all.WriteString("  " + s + ":\n    # a key: commented out\n")
	}
	chartSets := []string{"prometheusRule.enabled=true", "prometheusRule.scrapeInterval=15s", "gatewayPodMonitor.enabled=true"}
	for _, tc := range []struct {
		name   string
		values string
		sets   []string
	}{
		{"scaler", "config:\n  scaler:\n    # interval: 5s\n  actuator:\n    workers: 4\n", nil},
		{"every section", all.String(), nil},
		{"every section, keys the chart sets", all.String(), chartSets},
		{"config itself", "config:\n  # scaler:\n  #   interval: 5s\n", nil},
		{"config itself, keys the chart sets", "config:\n  # scaler:\n  #   interval: 5s\n", chartSets},
	} {
		values := writeValues(t, tc.values)
		for _, flags := range [][]string{nil, {"--skip-schema-validation"}} {
			t.Run(tc.name+"/"+strings.Join(append([]string{"with the schema"}, flags...)[len(flags):], ""), func(t *testing.T) {
				docs, stderr, ok := renderOrRefusal(t, append(flags, "--values", values), tc.sets...)
				if !ok {
					t.Fatalf("helm refuses config sections whose keys are all commented out (null), which the controller accepts:\n%s", stderr)
				}
				if refusal := configRefusal(t, docs); refusal != "" {
					t.Fatalf("control: the controller refuses the rendered file:\n%s", refusal)
				}
				if tc.sets == nil {
					return
				}
				cfg := controllerConfig(t, docs)
				if got, want := cfg.Scaler.BurstWindow, 30*time.Second; got != want {
					t.Errorf("scaler.burst_window %v in a null scaler section at a 15s scrape; want the chart's %v", got, want)
				}
				if !strings.Contains(cfg.Prometheus.CoverageSelector, fullname+"-gateway") {
					t.Errorf("prometheus.coverage_selector %q in a null prometheus section; want the gateway PodMonitor's job", cfg.Prometheus.CoverageSelector)
				}
			})
		}
	}
	t.Run("a section beside a null one is checked", func(t *testing.T) {
		values := writeValues(t, "config:\n  scaler:\n  actuator:\n    backoff_initial: 10s\n    backoff_max: 1s\n")
		_, stderr, ok := renderOrRefusal(t, []string{"--values", values})
		if want := "config.actuator.backoff_max=1s is below config.actuator.backoff_initial=10s"; ok || !strings.Contains(stderr, want) {
			t.Errorf("rendered: %v; want a refusal naming %q:\n%s", ok, want, stderr)
		}
	})
}
