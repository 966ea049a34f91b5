package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRulesMetadataFlagsNeedPrometheusRule: --name, --namespace and --label
// are the PrometheusRule's metadata; a plain rule file has none. Given with
// the default format they were dropped without a word, so an operator who
// asked for `--namespace monitoring --label release=kps` got a file the
// operator's ruleSelector would never pick up and no hint why. They are
// refused, naming the flag and the format that takes them.
//
// Seen failing before the fix: exit 0 and the plain rule file on stdout for
// each case.
func TestRulesMetadataFlagsNeedPrometheusRule(t *testing.T) {
	for _, args := range [][]string{
		{"--namespace", "monitoring"},
		{"--label", "release=kps"},
		{"--name", "my-rules"},
		{"--format", "rules", "--namespace", "monitoring"},
		{"--format", "prometheus", "--label", "release=kps", "--name", "x"},
	} {
		var stdout, stderr bytes.Buffer
		code := rulesCmd(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), args[len(args)-2]) || !strings.Contains(stderr.String(), "--format prometheusrule") {
			t.Errorf("rules %v: exit %d, stderr %q; want exit 2 naming %s and --format prometheusrule", args, code, stderr.String(), args[len(args)-2])
		}
		if stdout.Len() != 0 {
			t.Errorf("rules %v: wrote %d bytes to stdout; want nothing", args, stdout.Len())
		}
	}
	// With the format that carries them they are taken.
	var stdout, stderr bytes.Buffer
	if code := rulesCmd([]string{"--format", "prometheusrule", "--namespace", "monitoring", "--label", "release=kps", "--name", "x"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--format prometheusrule with metadata: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"namespace: monitoring", "release: kps", "name: x"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--format prometheusrule output lacks %q", want)
		}
	}
}
