package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
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
