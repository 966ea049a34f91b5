package rules

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// tool finds an external checker: the path in env when env is given, else
// the first of names on PATH. Missing: a failure under CI=true, a skip
// elsewhere.
func tool(t *testing.T, env string, names ...string) string {
	t.Helper()
	if env != "" {
		return testenv.EnvPath(t, env, "make test builds it (mk/rules.mk)")
	}
	return testenv.LookPath(t, "make test installs it", names...)
}

// run executes a checker and fails the test with its output on error.
func run(t *testing.T, dir, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// promtools lists the promtool builds to check with: Debian's 2.x and the
// 3.x built by mk/rules.mk (PROMTOOL3).
var promtools = []struct{ name, env string }{{"promtool2", ""}, {"promtool3", "PROMTOOL3"}}

// promtoolRulesTest renders o's rules and runs the rule unit test (the
// YAML of a `promtool test rules` file reading rules.yml) with every promtool
// in promtools; what says what the test checks, in a failure.
func promtoolRulesTest(t *testing.T, o Options, test []byte, what string) {
	t.Helper()
	out, err := Render(o)
	if err != nil {
		t.Fatal(err)
	}
	promtoolTestRendered(t, out, test, what)
}

// promtoolTestRendered is promtoolRulesTest on rules already rendered.
func promtoolTestRendered(t *testing.T, rules, test []byte, what string) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "rules.yml", rules)
	writeFile(t, dir, "unit_test.yml", test)
	for _, pt := range promtools {
		t.Run(pt.name, func(t *testing.T) {
			cmd := exec.Command(promtoolBin(t, pt.env), "test", "rules", "unit_test.yml")
			cmd.Dir = dir
			got, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(got), "SUCCESS") {
				t.Fatalf("%s (err %v):\n%s", what, err, got)
			}
		})
	}
}

func promtoolBin(t *testing.T, env string) string {
	if env == "" {
		return tool(t, "", "promtool")
	}
	return tool(t, env)
}

// TestPromtoolCheckRules runs `promtool check rules` on every committed
// rule file, the PrometheusRule's groups, and rules for the documented
// scrape intervals.
func TestPromtoolCheckRules(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		filepath.Join(deployDir, "prometheus/rules.yml"),
		filepath.Join(deployDir, "prometheus/rules-ce-compatible.yml"),
	}
	raw, err := os.ReadFile(filepath.Join(deployDir, "prometheus/prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := ParsePrometheusRule(raw)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := marshalYAML("", RuleFile{Groups: pr.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, writeFile(t, dir, "prometheusrule-groups.yml", spec))
	for _, scrape := range []time.Duration{time.Second, 15 * time.Second} {
		o := ForScrapeInterval(scrape)
		o.Custom = []CustomType{{Name: "latency", Expr: "sum by (function_name) (rate(gateway_functions_seconds_sum[1m])) / sum by (function_name) (rate(gateway_functions_seconds_count[1m]))"}}
		o.KeepFiringFor = 2 * scrape
		out, err := Render(o)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, writeFile(t, dir, "rules-"+Duration(scrape).String()+".yml", out))
	}
	for _, pt := range promtools {
		t.Run(pt.name, func(t *testing.T) {
			bin := promtoolBin(t, pt.env)
			for _, f := range files {
				out := run(t, ".", bin, "check", "rules", f)
				if !strings.Contains(out, "SUCCESS") {
					t.Errorf("%s: %s", f, out)
				}
			}
		})
	}
}

// TestPromtoolUnitTests runs the committed promtool unit tests: each alert
// fires above its threshold, not below, and resolves.
func TestPromtoolUnitTests(t *testing.T) {
	tests, err := filepath.Glob(filepath.Join(deployDir, "prometheus/tests/*_test.yml"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no unit tests found: %v", err)
	}
	for _, pt := range promtools {
		t.Run(pt.name, func(t *testing.T) {
			bin := promtoolBin(t, pt.env)
			for _, f := range tests {
				out := run(t, ".", bin, "test", "rules", f)
				if !strings.Contains(out, "SUCCESS") {
					t.Errorf("%s: %s", f, out)
				}
			}
		})
	}
}

// TestPromtoolUnitTestsCatchWrongThreshold proves the unit tests can fail:
// the same tests against rules with a wider tolerance must not pass.
func TestPromtoolUnitTestsCatchWrongThreshold(t *testing.T) {
	bin := promtoolBin(t, "")
	dir := t.TempDir()
	o := Defaults()
	o.Tolerance = 0.4 // 2 × 45 × 1.4 = 126 > the scenario's 120/s
	out, err := Render(o)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "rules.yml", out)
	tests, err := renderUnitTests(scalingUnitTests(Defaults(), "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "rules_test.yml", tests)
	cmd := exec.Command(bin, "test", "rules", "rules_test.yml")
	cmd.Dir = dir
	got, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(got), AlertLoadAboveTarget) {
		t.Fatalf("unit tests passed against a wrong threshold (err %v):\n%s", err, got)
	}
}

// TestAmtoolCheckConfig checks the full config, and the snippet merged into
// a config of the kind users already have.
func TestAmtoolCheckConfig(t *testing.T) {
	bin := tool(t, "", "amtool")
	dir := t.TempDir()
	full := filepath.Join(deployDir, "alertmanager/alertmanager.yml")
	if out := run(t, ".", bin, "check-config", full); !strings.Contains(out, "SUCCESS") {
		t.Errorf("%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(deployDir, "alertmanager/alertmanager-snippet.yml"))
	if err != nil {
		t.Fatal(err)
	}
	snip, err := ParseAlertmanagerSnippet(raw)
	if err != nil {
		t.Fatal(err)
	}
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
	if out := run(t, ".", bin, "check-config", f); !strings.Contains(out, "SUCCESS") {
		t.Errorf("%s", out)
	}
	ce := DefaultAlertmanagerOptions()
	ce.Full, ce.CECompatible = true, true
	out, err := RenderAlertmanager(ce)
	if err != nil {
		t.Fatal(err)
	}
	if out := run(t, ".", bin, "check-config", writeFile(t, dir, "ce.yml", out)); !strings.Contains(out, "SUCCESS") {
		t.Errorf("%s", out)
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
