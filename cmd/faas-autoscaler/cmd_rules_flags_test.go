package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

// TestRulesRefusesNaNTolerance: --tolerance is "relative band around the
// target before an alert fires, in [0, 1)". NaN is not in [0, 1), yet the
// range check (x < 0 || x >= 1) let it through and the alerts were
// multiplied by NaN (`… * NaN`), so they never fired: scale-ups silently
// lost.
func TestRulesRefusesNaNTolerance(t *testing.T) {
	for _, v := range []string{"NaN", "+Inf", "-Inf"} {
		var stdout, stderr bytes.Buffer
		code := rulesCmd([]string{"--tolerance", v}, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "tolerance") {
			t.Errorf("rules --tolerance %s: exit %d, want 2 naming the tolerance (must be in [0, 1)); stderr %q; NaN in output: %v",
				v, code, stderr.String(), strings.Contains(stdout.String(), "NaN"))
		}
	}
}

// TestReadmeRulesFormatsWork: README.md's "Other commands" table documents
// `faas-autoscaler rules` with `--format rules|prometheusrule`; every value
// it documents must work (`rules` is another name of the binary's
// `prometheus`, a plain rule file).
func TestReadmeRulesFormatsWork(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("`--format ([a-z|\\\\]+)`").FindSubmatch(readme)
	if m == nil {
		t.Skip("README no longer documents --format values")
	}
	for _, f := range strings.Split(strings.ReplaceAll(string(m[1]), `\`, ""), "|") {
		var stdout, stderr bytes.Buffer
		if code := rulesCmd([]string{"--format", f}, &stdout, &stderr); code != 0 {
			t.Errorf("README documents rules --format %s; the binary exits %d: %s", f, code, strings.TrimSpace(stderr.String()))
		}
	}
}

// TestRulesFormatAliasIsTheRuleFile: --format rules renders exactly what
// --format prometheus (the default) does.
func TestRulesFormatAliasIsTheRuleFile(t *testing.T) {
	var alias, canonical, stderr bytes.Buffer
	if code := rulesCmd([]string{"--format", "rules"}, &alias, &stderr); code != 0 {
		t.Fatalf("--format rules: exit %d: %s", code, stderr.String())
	}
	if code := rulesCmd([]string{"--format", "prometheus"}, &canonical, &stderr); code != 0 {
		t.Fatalf("--format prometheus: exit %d: %s", code, stderr.String())
	}
	if !bytes.Equal(alias.Bytes(), canonical.Bytes()) {
		t.Error("--format rules and --format prometheus render different files")
	}
}

// TestRulesScrapeIntervalErrorNamesOnlyTheFlag: `rules --scrape-interval 0`
// printed "scrape interval 0s: must be at least 1s" and then "window 0s:
// must be at least 1s", a window the user never set (4 × the scrape
// interval). The error names the flag, and only the flag the user set.
func TestRulesScrapeIntervalErrorNamesOnlyTheFlag(t *testing.T) {
	for _, v := range []string{"0", "-5s", "500ms"} {
		var stdout, stderr bytes.Buffer
		code := rulesCmd([]string{"--scrape-interval", v}, &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code != 2 || !strings.HasPrefix(msg, "rules: --scrape-interval ") || strings.Contains(msg, "\n") || strings.Contains(msg, "window") {
			t.Errorf("rules --scrape-interval %s: exit %d, want 2 and one line naming --scrape-interval alone; stderr %q", v, code, msg)
		}
		if stdout.Len() != 0 {
			t.Errorf("rules --scrape-interval %s: wrote output on failure", v)
		}
	}
}

// TestRulesErrorsNameTheFlag: house rule, bad input gets a non-zero exit
// naming the flag. Validate's messages named the option ("window 500ms",
// "tolerance 1", "scale-down for -1s"), not the flag to change.
func TestRulesErrorsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--window", "500ms"}, "--window 500ms: must be at least 1s"},
		{[]string{"--window", "22s"}, "--window 22s: must be a multiple of the scrape interval 5s"},
		{[]string{"--cpu-window", "1500ms"}, "--cpu-window 1.5s: must be a whole number of seconds"},
		{[]string{"--evaluation-interval", "10s"}, "--evaluation-interval 10s: must not exceed the scrape interval 5s"},
		{[]string{"--evaluation-interval", "-1s"}, "--evaluation-interval -1s: must be at least 1s"},
		{[]string{"--tolerance", "1"}, "--tolerance 1: must be in [0, 1)"},
		{[]string{"--scale-up-for", "-1s"}, "--scale-up-for -1s: must not be negative"},
		{[]string{"--scale-down-for", "1500ms"}, "--scale-down-for 1.5s: must be a whole number of seconds"},
		{[]string{"--keep-firing-for", "-2s"}, "--keep-firing-for -2s: must not be negative"},
		{[]string{"--types", "rps,gpu"}, `unknown scaling type "gpu": want one of rps, capacity, cpu, queue (or declare it as a custom type) (set by --types)`},
		{[]string{"--types", ""}, "no scaling types: choose at least one of rps, capacity, cpu, queue or a custom type (set by --types)"},
		{[]string{"--custom", "p-99=x"}, `custom scaling type "p-99": name must match ^[a-zA-Z_][a-zA-Z0-9_]*$ (set by --custom)`},
		{[]string{"--format", "jsonnet"}, `unknown format "jsonnet": want one of prometheus, prometheusrule (set by --format)`},
		{[]string{"--format", "prometheusrule", "--name", "Faas_Rules"}, `--name "Faas_Rules": not a valid Kubernetes resource name`},
		{[]string{"--format", "prometheusrule", "--namespace", "-x"}, `--namespace "-x": not a valid Kubernetes namespace`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := rulesCmd(tc.args, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want 2 with %q; stderr %q", code, tc.want, stderr.String())
			}
		})
	}
}

// TestRulesDerivedValueErrorsSayWhereTheyComeFrom: a window or evaluation
// interval the user did not set is derived from --scrape-interval; when it
// is refused, the message names the flag to set and where the value came
// from, so "window 4.4s" is not a riddle.
func TestRulesDerivedValueErrorsSayWhereTheyComeFrom(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scrape-interval", "1100ms"}, "--window 4.4s (default for --scrape-interval 1.1s): must be a whole number of seconds"},
	} {
		var stdout, stderr bytes.Buffer
		code := rulesCmd(tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("rules %v: exit %d, want 2 with %q; stderr %q", tc.args, code, tc.want, stderr.String())
		}
	}
}

// TestRulesWindowOfTwoScrapesRefused: rate() needs two samples in its
// range; a window of exactly two scrapes holds two only when the scrapes
// fall just so, and with scrape jitter it holds one at times: the load
// record vanishes, the alerts resolve and fire again (flapping). The
// window must span at least three scrapes; the defaults span four.
func TestRulesWindowOfTwoScrapesRefused(t *testing.T) {
	for _, tc := range []struct{ args []string }{
		{[]string{"--window", "10s"}},
		{[]string{"--scrape-interval", "15s", "--window", "30s"}},
		{[]string{"--cpu-window", "10s"}},
	} {
		var stdout, stderr bytes.Buffer
		code := rulesCmd(tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "three scrapes") {
			t.Errorf("rules %v: exit %d, want 2 (a window must span three scrapes); stderr %q", tc.args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := rulesCmd([]string{"--window", "15s"}, &stdout, &stderr); code != 0 {
		t.Errorf("rules --window 15s (three scrapes): exit %d: %s", code, stderr.String())
	}
}

// TestRulesOutputErrorNamesTheFlag: an -o the command cannot write to was
// reported as the bare open error.
func TestRulesOutputErrorNamesTheFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "rules.yml")
	var stdout, stderr bytes.Buffer
	code := rulesCmd([]string{"-o", path}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "-o "+path) {
		t.Errorf("rules -o %s: exit %d, want non-zero naming -o; stderr %q", path, code, stderr.String())
	}
}

// TestRulesBinaryScrapeIntervalZero runs the built binary as the report
// did: `faas-autoscaler rules --scrape-interval 0` exits 2 with one line
// naming --scrape-interval.
func TestRulesBinaryScrapeIntervalZero(t *testing.T) {
	cmd := exec.Command(binary, "rules", "--scrape-interval", "0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2; stderr %q", err, stderr.String())
	}
	if got, want := stderr.String(), "rules: --scrape-interval 0s: must be at least 1s\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// TestRulesFlagsNameRealOptions: every field rulesFlagErr maps to a flag
// is a rules.Options field (a renamed field would fall back to the option's
// own words), and every flag it names exists.
func TestRulesFlagsNameRealOptions(t *testing.T) {
	typ := reflect.TypeOf(rules.Options{})
	var stderr bytes.Buffer
	for field, flagName := range rulesFlags {
		if _, ok := typ.FieldByName(field); !ok {
			t.Errorf("rulesFlags: rules.Options has no field %s", field)
		}
		if code := rulesCmd([]string{flagName + "=x"}, io.Discard, &stderr); strings.Contains(stderr.String(), "flag provided but not defined") {
			t.Errorf("rulesFlags: %s (for %s) is not a flag of rules (exit %d)", flagName, field, code)
		}
		stderr.Reset()
	}
}
