package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDashboardsCmd(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"one dashboard", []string{"--dashboard", "function-detail"}, 0, `"uid": "faas-autoscaler-function"`, ""},
		{"unknown dashboard", []string{"--dashboard", "cpu"}, 2, "", `unknown dashboard "cpu": want one of functions-overview, function-detail, controller-health`},
		{"nothing chosen", nil, 2, "", "choose --dashboard NAME or --dir DIR, and/or --provisioning-dir DIR"},
		{"both chosen", []string{"--dashboard", "function-detail", "--dir", "x"}, 2, "", "exclusive"},
		{"unknown flag", []string{"--format", "yaml"}, 2, "", "flag provided but not defined: -format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := dashboardsCmd(tc.args, &stdout, &stderr); code != tc.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) || !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stdout %.200q / stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

// TestDashboardsCmdMatchesDeploy: --dir and --provisioning-dir with the
// defaults write exactly the committed deploy/grafana files.
func TestDashboardsCmdMatchesDeploy(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := dashboardsCmd([]string{"--dir", filepath.Join(dir, "dashboards"), "--provisioning-dir", filepath.Join(dir, "provisioning")}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	n := 0
	err := filepath.Walk("../../deploy/grafana", func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || filepath.Ext(path) == ".md" {
			return err
		}
		rel, _ := filepath.Rel("../../deploy/grafana", path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s not written: %v", rel, err)
			return nil
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from deploy/grafana", rel)
		}
		n++
		return nil
	})
	if err != nil || n < 5 {
		t.Fatalf("compared %d files: %v", n, err)
	}
}
