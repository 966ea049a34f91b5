package kubernetes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func kubeconfigFile(t *testing.T, dir, name, server string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	body := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ` + server + `
contexts:
- name: c
  context:
    cluster: c
    user: u
current-context: c
users:
- name: u
  user:
    token: x
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestKubeconfigList: --kubeconfig is bound to KUBECONFIG, which kubectl,
// client-go and Helm read as a list of files merged in order, a missing one
// skipped. The controller took the list for one file name and refused to
// start outside a cluster ("stat a:b: no such file or directory"). Found by
// a review helper.
func TestKubeconfigList(t *testing.T) {
	dir := t.TempDir()
	first := kubeconfigFile(t, dir, "config", "https://first.example:6443")
	second := kubeconfigFile(t, dir, "kind.yaml", "https://second.example:6443")
	missing := filepath.Join(dir, "absent.yaml")
	sep := string(os.PathListSeparator)
	for _, tc := range []struct{ list, host string }{
		{first + sep + second, "https://first.example:6443"},    // the first file's context wins
		{missing + sep + second, "https://second.example:6443"}, // a missing file is skipped
		{first, "https://first.example:6443"},
	} {
		cfg, err := RESTConfig(tc.list)
		if err != nil {
			t.Errorf("RESTConfig(%q): %v", tc.list, err)
			continue
		}
		if cfg.Host != tc.host {
			t.Errorf("RESTConfig(%q): host %q, want %q", tc.list, cfg.Host, tc.host)
		}
	}
	// Nothing to read is an error naming the files, as one missing file is.
	none := missing + sep + filepath.Join(dir, "also-absent.yaml")
	if _, err := RESTConfig(none); err == nil || !strings.Contains(err.Error(), none) {
		t.Errorf("RESTConfig(%q) = %v, want an error naming the files", none, err)
	}
	if _, err := RESTConfig(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("RESTConfig(%q) = %v, want an error naming the file", missing, err)
	}
}
