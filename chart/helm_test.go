package chart

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// chartDir is the chart, relative to this package.
const chartDir = "faas-autoscaler"

// release and namespace of the renders the tests and the kustomize base use:
// the names the base always had.
const (
	releaseName = "faas-autoscaler"
	releaseNS   = "openfaas"
)

// skipOrFail skips without a tool, or fails when CI=true, where a missing
// tool means a broken pipeline rather than a developer laptop.
func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the chart tests must run)")
	}
	t.Skip(msg)
}

// helmBin is the helm `make helm` built (mk/helm.mk exports HELM).
func helmBin(t testing.TB) string {
	t.Helper()
	h := os.Getenv("HELM")
	if h == "" {
		skipOrFail(t, "HELM is not set: run `make helm` and export HELM, or use `make test-chart`")
	}
	if _, err := os.Stat(h); err != nil {
		skipOrFail(t, "HELM="+h+": "+err.Error()+" (run `make helm`)")
	}
	return h
}

// helm runs helm with args and returns stdout and stderr. HOME and the helm
// cache/config folders point into a temp dir so a developer's repositories
// and plugins never change a result.
func helm(t testing.TB, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	return helmEnv(t, nil, args...)
}

// helmEnv is helm with extra environment (KUBECONFIG for the test cluster).
func helmEnv(t testing.TB, env []string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	bin := helmBin(t)
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"HOME="+home,
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"KUBECONFIG="+filepath.Join(home, "no-cluster"),
	)
	cmd.Env = append(cmd.Env, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// template renders the chart with the values files and --set pairs given.
func template(t testing.TB, values []string, sets ...string) ([]byte, []byte, error) {
	t.Helper()
	args := []string{"template", releaseName, chartDir, "--namespace", releaseNS}
	for _, v := range values {
		args = append(args, "--values", v)
	}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	return helm(t, args...)
}

// mustTemplate is template that fails the test on an error.
func mustTemplate(t testing.TB, values []string, sets ...string) []byte {
	t.Helper()
	out, stderr, err := template(t, values, sets...)
	if err != nil {
		t.Fatalf("helm template %v %v: %v\n%s", values, sets, err, stderr)
	}
	return out
}

// chartCopy copies the chart into a temp dir, with each file named in edits
// (a path in the chart) replaced by its edit of the file's text ("" for a
// new file), and returns the copy's path. An edit that changes nothing fails
// the test: the test would then check the chart, not its variant.
func chartCopy(t testing.TB, edits map[string]func(old string) string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), chartDir)
	if err := os.CopyFS(dst, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	for name, edit := range edits {
		path := filepath.Join(dst, filepath.FromSlash(name))
		b, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		edited := edit(string(b))
		if edited == string(b) {
			t.Fatalf("chartCopy: the edit changed nothing in %s", name)
		}
		if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// readChartFile reads a file of the chart (a path in it, slash-separated).
func readChartFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(chartDir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
