package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDashboardsDirErrorsNameTheFlag: a --dir or --provisioning-dir that
// cannot be created was reported as the bare mkdir error ("mkdir /proc/x:
// no such file or directory", exit 1), naming neither flag. It is bad
// input: exit 2 naming the flag, before anything is written.
func TestDashboardsDirErrorsNameTheFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "sub") // under a regular file: never creatable
	ok := filepath.Join(t.TempDir(), "ok")
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"--dir", bad}, "--dir " + bad},
		{[]string{"--provisioning-dir", bad}, "--provisioning-dir " + bad},
		{[]string{"--dir", ok, "--provisioning-dir", bad}, "--provisioning-dir " + bad},
		{[]string{"--dashboard", "function-detail", "--provisioning-dir", bad}, "--provisioning-dir " + bad},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := dashboardsCmd(tc.args, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.flag) {
				t.Errorf("exit %d, want 2 naming %q; stderr %q", code, tc.flag, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("printed a dashboard though %s is refused", tc.flag)
			}
			if entries, _ := os.ReadDir(ok); len(entries) != 0 {
				t.Errorf("wrote %d dashboards to --dir though %s is refused", len(entries), tc.flag)
			}
		})
	}
}

// TestDashboardsRefusesEmptyDashboardsPath: --dashboards-path "" wrote
// `path: ""` into the Grafana dashboard provider without complaint; Grafana
// then loads no dashboards from it.
func TestDashboardsRefusesEmptyDashboardsPath(t *testing.T) {
	for _, v := range []string{"", "  "} {
		prov := filepath.Join(t.TempDir(), "prov")
		var stdout, stderr bytes.Buffer
		code := dashboardsCmd([]string{"--provisioning-dir", prov, "--dashboards-path", v}, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "--dashboards-path") {
			t.Errorf("--dashboards-path %q: exit %d, want 2 naming --dashboards-path; stderr %q", v, code, stderr.String())
		}
		if _, err := os.Stat(prov); err == nil {
			t.Errorf("--dashboards-path %q refused, yet %s was written", v, prov)
		}
	}
}

// TestDashboardsUsageNamesProvisioningDir: --provisioning-dir alone is
// accepted (it writes the provisioning setup only), yet with nothing chosen
// the command said "choose one of --dashboard NAME or --dir DIR".
func TestDashboardsUsageNamesProvisioningDir(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := dashboardsCmd(nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--provisioning-dir") {
		t.Errorf("no flags: exit %d, want 2 naming --provisioning-dir among the choices; stderr %q", code, stderr.String())
	}
	prov := filepath.Join(t.TempDir(), "prov")
	stdout.Reset()
	stderr.Reset()
	if code := dashboardsCmd([]string{"--provisioning-dir", prov}, &stdout, &stderr); code != 0 {
		t.Fatalf("--provisioning-dir alone: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(prov, "dashboards", "faas-autoscaler.yaml")); err != nil {
		t.Error(err)
	}
}

// TestDashboardsBinaryDirUnderProc runs the built binary as the report did:
// `faas-autoscaler dashboards --dir /proc/x` exits 2 naming --dir.
func TestDashboardsBinaryDirUnderProc(t *testing.T) {
	cmd := exec.Command(binary, "dashboards", "--dir", "/proc/x")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(stderr.String(), "--dir /proc/x") {
		t.Errorf("exit: %v, want status 2 naming --dir /proc/x; stderr %q", err, stderr.String())
	}
}
