package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/rules"
)

func TestRulesCmd(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string // substrings of stdout
		wantErr    string   // substring of stderr
		notInOut   []string
		checkParse func(t *testing.T, out []byte)
	}{
		{name: "defaults", args: nil, wantOut: []string{"function_name:gateway_function_invocation_total:rate20s", "function_name:gateway_function_invocation_total:irate20s", "interval: 1s", rules.AlertLoadAboveTarget},
			notInOut: []string{rules.AlertCEHighInvocationRate},
			checkParse: func(t *testing.T, out []byte) {
				if _, err := rules.ParseRuleFile(out); err != nil {
					t.Error(err)
				}
			}},
		{name: "1s scrape", args: []string{"--scrape-interval", "1s"}, wantOut: []string{"rate4s", "interval: 1s"}},
		{name: "15s scrape", args: []string{"--scrape-interval", "15s"}, wantOut: []string{"rate1m", "interval: 3s"}},
		{name: "explicit window", args: []string{"--window", "30s"}, wantOut: []string{"rate30s"}},
		{name: "ce compatible", args: []string{"--ce-compatible"}, wantOut: []string{rules.AlertCEHighInvocationRate, "for: 5s"}},
		{name: "custom type", args: []string{"--types", "rps", "--custom", "latency=avg by (function_name) (x)"},
			wantOut: []string{"scaling_type: latency", "avg by (function_name) (x)"}, notInOut: []string{"inflight"}},
		{name: "prometheusrule", args: []string{"--format", "prometheusrule", "--namespace", "openfaas", "--label", "release=prom"},
			wantOut: []string{"kind: PrometheusRule", "namespace: openfaas", "release: prom"},
			checkParse: func(t *testing.T, out []byte) {
				if _, err := rules.ParsePrometheusRule(out); err != nil {
					t.Error(err)
				}
			}},
		{name: "health alerts by default", args: nil, wantOut: []string{"name: " + rules.GroupHealth, rules.AlertControllerDown, `up{job="faas-autoscaler"}`}},
		{name: "controller job", args: []string{"--controller-job", "openfaas/faas-autoscaler"}, wantOut: []string{`up{job="openfaas/faas-autoscaler"}`},
			notInOut: []string{`job="faas-autoscaler"`}},
		{name: "no health alerts", args: []string{"--no-health-alerts"}, notInOut: []string{rules.GroupHealth, rules.AlertControllerDown}},
		{name: "empty controller job", args: []string{"--controller-job", ""}, wantCode: 2,
			wantErr: `rules: --controller-job "": must not be empty: the health alerts select the controller's series by it`},
		{name: "no job without health alerts", args: []string{"--no-health-alerts", "--controller-job", ""}, notInOut: []string{rules.GroupHealth}},
		{name: "unknown format", args: []string{"--format", "jsonnet"}, wantCode: 2, wantErr: `unknown format "jsonnet"`},
		{name: "unknown type", args: []string{"--types", "rps,memory"}, wantCode: 2, wantErr: `unknown scaling type "memory"`},
		{name: "bad custom name", args: []string{"--custom", "p-99=x"}, wantCode: 2, wantErr: `custom scaling type "p-99"`},
		{name: "custom step", args: []string{"--custom", "step=x"}, wantCode: 2, wantErr: `custom scaling type "step": is the controller's step mode`},
		{name: "custom without =", args: []string{"--custom", "latency"}, wantCode: 2, wantErr: "want name=PromQL"},
		{name: "window under a second", args: []string{"--window", "500ms"}, wantCode: 2, wantErr: "window 500ms: must be at least 1s"},
		{name: "window not a multiple", args: []string{"--window", "22s"}, wantCode: 2, wantErr: "must be a multiple of the scrape interval 5s"},
		{name: "several errors", args: []string{"--types", "gpu", "--format", "x"}, wantCode: 2, wantErr: "\n  unknown scaling type \"gpu\""},
		{name: "unknown flag", args: []string{"--bogus"}, wantCode: 2, wantErr: "flag provided but not defined: -bogus"},
		{name: "stray argument", args: []string{"extra"}, wantCode: 2, wantErr: `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := rulesCmd(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.wantCode, stderr.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q", w)
				}
			}
			for _, w := range tc.notInOut {
				if strings.Contains(stdout.String(), w) {
					t.Errorf("stdout has %q", w)
				}
			}
			if tc.wantErr != "" && !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
			}
			if tc.wantCode != 0 && stdout.Len() != 0 {
				t.Errorf("wrote output on failure: %s", stdout.String())
			}
			if tc.checkParse != nil {
				tc.checkParse(t, stdout.Bytes())
			}
		})
	}
}

// TestRulesCmdMatchesDeploy: the committed deploy/ files are what the
// command prints with its defaults.
func TestRulesCmdMatchesDeploy(t *testing.T) {
	for _, tc := range []struct {
		cmd  func([]string, *bytes.Buffer, *bytes.Buffer) int
		args []string
		file string
	}{
		{func(a []string, o, e *bytes.Buffer) int { return rulesCmd(a, o, e) }, nil, "../../deploy/prometheus/rules.yml"},
		{func(a []string, o, e *bytes.Buffer) int { return alertmanagerConfigCmd(a, o, e) }, nil, "../../deploy/alertmanager/alertmanager-snippet.yml"},
		{func(a []string, o, e *bytes.Buffer) int { return alertmanagerConfigCmd(a, o, e) }, []string{"--full"}, "../../deploy/alertmanager/alertmanager.yml"},
	} {
		var out, errb bytes.Buffer
		if code := tc.cmd(tc.args, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.file, code, errb.String())
		}
		want, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s differs from the command's default output (regenerate with go test ./rules -update)", tc.file)
		}
	}
}

func TestAlertmanagerConfigCmd(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"custom url", []string{"--controller-url", "http://10.0.0.5:9090"}, 0, "url: http://10.0.0.5:9090/system/alert", ""},
		{"ce route", []string{"--ce-compatible"}, 0, `alertname="APIHighInvocationRate"`, ""},
		{"bad url", []string{"--controller-url", "ftp://x"}, 2, "", `scheme must be http or https`},
		{"relative password file", []string{"--password-file", "pw"}, 2, "", `--password-file "pw": must be an absolute path`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := alertmanagerConfigCmd(tc.args, &stdout, &stderr); code != tc.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stdout %q / stderr %q", stdout.String(), stderr.String())
			}
		})
	}
	out := filepath.Join(t.TempDir(), "am.yml")
	var so, se bytes.Buffer
	if code := alertmanagerConfigCmd([]string{"--full", "-o", out}, &so, &se); code != 0 {
		t.Fatal(se.String())
	}
	if data, err := os.ReadFile(out); err != nil || !bytes.Contains(data, []byte("receivers:")) {
		t.Errorf("-o file: %v %q", err, data)
	}
}
