package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestFunctionsFileSeedsTheMemoryProvider: --provider memory
// --functions-file manages the file's functions, not the demo's, on the
// production timings and without the demo's view.
func TestFunctionsFileSeedsTheMemoryProvider(t *testing.T) {
	file := writeTemp(t, "functions", "fn-a\n\nfn-b.other-ns\nfn-c:com.openfaas.scale.max=3\n")
	var stdout teststack.SyncBuffer
	addr, logs := startRun(t, &stdout, "--provider", "memory", "--functions-file", file, "--duration", "60s", "--log-level", "warn")
	deadline := time.Now().Add(30 * time.Second)
	var body string
	for {
		body = get(t, "http://"+addr+"/api/v1/functions")
		if strings.Contains(body, "fn-a") && strings.Contains(body, "fn-b") && strings.Contains(body, "fn-c") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the file's functions are not managed after 30 s: %s\n%s", body, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Contains(body, "figlet") {
		t.Errorf("the demo's functions are managed beside the file's: %s", body)
	}
	if out := stdout.String(); strings.Contains(out, "embedded default") {
		t.Errorf("the demo's view printed with --functions-file:\n%s", out)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFunctionsFileRefused: --functions-file is for --provider memory only,
// and a file that names no function, or a bad one, is refused with its line.
func TestFunctionsFileRefused(t *testing.T) {
	dir := t.TempDir()
	empty, bad := filepath.Join(dir, "empty"), filepath.Join(dir, "bad")
	_ = os.WriteFile(empty, []byte("\n\n"), 0o600)
	_ = os.WriteFile(bad, []byte("fn-a\nfn-b:nolabelvalue\n"), 0o600)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"without memory", []string{"--functions-file", empty}, "--functions-file needs --provider memory"},
		{"openfaas", []string{"--provider", "openfaas", "--gateway-url", "http://gw:8080", "--prometheus-url", "http://p:9090", "--functions-file", empty}, "--functions-file needs --provider memory"},
		{"empty", []string{"--provider", "memory", "--functions-file", empty}, "no functions in it"},
		{"bad line", []string{"--provider", "memory", "--functions-file", bad}, bad + ":2"},
		{"missing", []string{"--provider", "memory", "--functions-file", filepath.Join(dir, "none")}, "--functions-file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := dispatch(append([]string{"run"}, c.args...), &out, &errb); got != 2 {
				t.Fatalf("exit = %d, want 2; stderr %q", got, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q does not name %q", errb.String(), c.want)
			}
		})
	}
}
