package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runBinary runs the built binary with a hard deadline and returns its exit
// code (-1 when it was still running at the deadline and was killed) and
// its stderr: a defect that hangs the process fails the test instead of
// hanging it.
func runBinary(t *testing.T, deadline time.Duration, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, stderr.String()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return 0, stderr.String()
}

// logTail is the last lines of a log, for a failure message.
func logTail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 6 {
		lines = lines[len(lines)-6:]
	}
	return strings.Join(lines, "\n")
}

// TestMaxScrapeGapBelowOneSecondRefused: the Prometheus source refuses a
// prometheus.max_scrape_gap below 1s; config validation accepted 500ms, so
// the process exited 1 at wiring with "--prometheus-url: prometheus max
// scrape gap must be at least 1s", blaming a flag that was not at fault,
// without the file position. It is refused at validation now: exit 2,
// naming the key.
func TestMaxScrapeGapBelowOneSecondRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("prometheus:\n  max_scrape_gap: 500ms\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := runBinary(t, 15*time.Second, "run", "--gateway-url", "http://127.0.0.1:1",
		"--prometheus-url", "http://127.0.0.1:1", "--basic-auth=false", "--webhook-auth", "none",
		"--listen", "127.0.0.1:0", "--duration", "2s", "--config", file)
	if code != 2 || !strings.Contains(stderr, file+":2:19: prometheus.max_scrape_gap: must be at least 1s") || strings.Contains(stderr, "--prometheus-url:") {
		t.Errorf("max_scrape_gap 500ms: exit %d, want 2 naming %s:2:19: prometheus.max_scrape_gap; stderr:\n%s", code, file, stderr)
	}
}

// TestEmptyDefaultNamespaceRefused: --default-namespace is "namespace of a
// function_name without a dot"; an empty namespace cannot be honoured. On
// the embedded default it was accepted silently (exit 0); with --provider
// openfaas it failed late with exit 1 and "openfaas provider: default
// namespace is required", not naming the flag. README: "A bad value exits
// with status 2 and names the flag."
func TestEmptyDefaultNamespaceRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"embedded", nil},
		{"openfaas", []string{"--gateway-url", "http://127.0.0.1:1", "--prometheus-url", "http://127.0.0.1:1", "--basic-auth=false", "--webhook-auth", "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--default-namespace=", "--listen", "127.0.0.1:0", "--duration", "2s"}, tc.args...)
			code, stderr := runBinary(t, 15*time.Second, args...)
			if code != 2 || !strings.Contains(stderr, "--default-namespace") {
				t.Errorf("--default-namespace \"\": exit %d, want 2 naming --default-namespace; stderr:\n%s", code, logTail(stderr))
			}
		})
	}
}

// TestPrometheusURLWithMemoryProviderRefused: --provider memory (and the
// embedded default) always read the simulated gateway through the embedded
// source, so a --prometheus-url given with it was silently ignored:
// Prometheus was never queried. It is refused, as --nats-url,
// --functions-file and --leader-elect are where they do not apply.
func TestPrometheusURLWithMemoryProviderRefused(t *testing.T) {
	srv, hits := emptyProm(t)
	for _, provider := range []string{"memory", ""} {
		code, stderr := runBinary(t, 20*time.Second, "run", "--provider", provider, "--prometheus-url", srv.URL,
			"--listen", "127.0.0.1:0", "--duration", "6s")
		if code != 2 || !strings.Contains(stderr, "--prometheus-url needs --provider openfaas or kubernetes") {
			t.Errorf("--provider %q --prometheus-url %s: exit %d, want 2 naming --prometheus-url (Prometheus queried %d times); stderr:\n%s",
				provider, srv.URL, code, hits.Load(), logTail(stderr))
		}
	}
}

// TestBadWiringValueExitsTwo: README ("Flags of faas-autoscaler run"):
// "A bad value exits with status 2 and names the flag." These bad values
// were only found after validation, while wiring, and exited 1
// ("controller stopped") instead, so scripts and the kubelet could not
// tell a configuration error from a run-time failure.
func TestBadWiringValueExitsTwo(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name, flag string
		args       []string
	}{
		{"listen without port", "--listen", []string{"--listen", "bogus"}},
		{"listen port out of range", "--listen", []string{"--listen", "127.0.0.1:99999"}},
		{"token file missing", "--webhook-token-file", []string{"--listen", "127.0.0.1:0", "--webhook-auth", "bearer", "--webhook-token-file", missing}},
		{"kubeconfig missing", "--kubeconfig", []string{"--listen", "127.0.0.1:0", "--provider", "kubernetes", "--prometheus-url", "http://127.0.0.1:1", "--kubeconfig", missing}},
		{"webhook credentials missing", "--webhook-auth basic", []string{"--listen", "127.0.0.1:0", "--webhook-auth", "basic", "--secret-mount-path", missing}},
		{"gateway credentials missing", "--basic-auth", []string{"--listen", "127.0.0.1:0", "--gateway-url", "http://127.0.0.1:1",
			"--prometheus-url", "http://127.0.0.1:1", "--webhook-auth", "none", "--secret-mount-path", missing}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runBinary(t, 15*time.Second, append([]string{"run", "--duration", "2s"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.flag) {
				t.Errorf("exit %d, want 2 naming %s; stderr:\n%s", code, tc.flag, logTail(stderr))
			}
		})
	}
}

// TestHugeActuatorWorkersRefused: actuator.workers had no upper bound; the
// actuator starts one goroutine per worker before the pool serves, so
// 1000000000 left the process unresponsive (the profiler, /healthz),
// ignoring --duration 4s and SIGTERM, burning CPU until killed. It is
// refused at validation, naming the key and its file position.
func TestHugeActuatorWorkersRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("actuator:\n  workers: 1000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// 4s: past the embedded default's 2.1 s warm-up, after which the actuator starts.
	code, stderr := runBinary(t, 15*time.Second, "run", "--config", file, "--listen", "127.0.0.1:0", "--duration", "4s")
	if code != 2 || !strings.Contains(stderr, file+":2:12: actuator.workers: must be in [1, 1024], got 1000000000") {
		t.Errorf("actuator.workers 1000000000: exit %d (-1 = still running 15 s later, killed), want exit 2 naming %s:2:12: actuator.workers; stderr:\n%s", code, file, logTail(stderr))
	}
	// The deprecated flag reaches the same check and is named.
	code, stderr = runBinary(t, 15*time.Second, "run", "--idle-scale-concurrency", "5000", "--listen", "127.0.0.1:0", "--duration", "4s")
	if code != 2 || !strings.Contains(stderr, "flag --idle-scale-concurrency: actuator.workers") {
		t.Errorf("--idle-scale-concurrency 5000: exit %d, want 2 naming the flag and actuator.workers; stderr:\n%s", code, logTail(stderr))
	}
}

// TestPrometheusURLWithMemoryFunctionsFile: --provider memory with
// --functions-file holds the file's functions and, given --prometheus-url,
// reads their metrics from Prometheus (as a deployment reads a gateway's):
// the controller queries it, and runs.
func TestPrometheusURLWithMemoryFunctionsFile(t *testing.T) {
	srv, hits := emptyProm(t)
	fns := filepath.Join(t.TempDir(), "functions")
	if err := os.WriteFile(fns, []byte("fn-a\nfn-b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := runBinary(t, 30*time.Second, "run", "--provider", "memory", "--functions-file", fns, "--prometheus-url", srv.URL,
		"--listen", "127.0.0.1:0", "--duration", "8s")
	if code != 0 || hits.Load() == 0 {
		t.Errorf("--provider memory --functions-file --prometheus-url: exit %d, Prometheus queried %d times, want 0 and some; stderr:\n%s",
			code, hits.Load(), logTail(stderr))
	}
}

// emptyProm is a Prometheus that answers every query with an empty vector,
// and counts the queries.
func emptyProm(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}
