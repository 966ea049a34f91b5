package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDashboardsOneDashboardAlsoWritesProvisioning: --provisioning-dir is
// "also write an example Grafana provisioning setup under this directory",
// and only --dashboard with --dir is declared exclusive. With --dashboard
// NAME --provisioning-dir DIR the dashboard goes to stdout and the
// provisioning setup is written too (it used to be silently skipped, exit 0).
func TestDashboardsOneDashboardAlsoWritesProvisioning(t *testing.T) {
	prov := filepath.Join(t.TempDir(), "prov")
	var stdout, stderr bytes.Buffer
	code := dashboardsCmd([]string{"--dashboard", "function-detail", "--provisioning-dir", prov}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"uid": "faas-autoscaler-function"`) {
		t.Errorf("the dashboard was not printed: %.200q", stdout.String())
	}
	for _, f := range []string{"datasources/prometheus.yaml", "dashboards/faas-autoscaler.yaml"} {
		if _, err := os.Stat(filepath.Join(prov, f)); err != nil {
			t.Errorf("--provisioning-dir %s: %s not written: %v", prov, f, err)
		}
	}
}

// TestDashboardsRefusesBadProvisioningValues: --scrape-interval is the
// provisioned data source's scrape interval ($__rate_interval is 4× it) and
// --prometheus-url its URL. Both were written verbatim into the Grafana
// datasource file without any check ("banana", "-5s", "not a url"), exit 0.
// House rule: bad input gets a non-zero exit naming the flag.
func TestDashboardsRefusesBadProvisioningValues(t *testing.T) {
	for _, tc := range []struct{ flag, value string }{
		{"--scrape-interval", "banana"},
		{"--scrape-interval", "-5s"},
		{"--scrape-interval", "0s"},
		{"--prometheus-url", "not a url"},
		{"--prometheus-url", "prometheus:9090"},
	} {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			prov := filepath.Join(t.TempDir(), "prov")
			var stdout, stderr bytes.Buffer
			code := dashboardsCmd([]string{"--provisioning-dir", prov, tc.flag, tc.value}, &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.flag) {
				t.Errorf("exit %d, want 2 naming %s; stderr %q", code, tc.flag, stderr.String())
			}
			if _, err := os.Stat(prov); err == nil {
				t.Errorf("%s %q refused, yet %s was written", tc.flag, tc.value, prov)
			}
		})
	}
}
