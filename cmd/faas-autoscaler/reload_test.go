package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// explainTarget reads the scaler's spec target of one embedded-default
// function (markdown has no target label, so it shows defaults.target).
func explainTarget(t *testing.T, addr string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/functions/openfaas-fn/markdown")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Spec struct {
			Target float64 `json:"target"`
		} `json:"spec"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Spec.Target
}

// bigHeaderStatus sends GET /healthz with a 20 KB header: within the
// default 64 KiB bound, over a 4 KiB one (net/http allows 4 KiB of slack).
func bigHeaderStatus(t *testing.T, addr string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("a", 20<<10))
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitLog waits until the process has logged want, or fails.
func waitLog(t *testing.T, logs *teststack.SyncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log:\n%s", want, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReloadOnSIGHUP: the --config file is re-read on SIGHUP. A file that
// does not validate is refused with its line and key, and the configuration
// in force stays; a good one is swapped in while the controller runs.
func TestReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// server.max_header_bytes at its floor: the limits come from the file.
	write("defaults:\n  target: 40.0\nserver:\n  max_header_bytes: 4096\n")
	// The socket is bound here and handed over, so no other process can
	// take the port between choosing and binding it.
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--duration", "60s", "--listen", "fd:3", "--log-level", "info", "--config", file)
	cmd.ExtraFiles = []*os.File{lnFile}
	var logs teststack.SyncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	if code := bigHeaderStatus(t, addr); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 20 KB header with server.max_header_bytes 4096 got %d, want 431 (the file's server limits not in force)", code)
	}
	// The first evaluation comes after the embedded source's warm-up.
	deadline := time.Now().Add(15 * time.Second)
	for explainTarget(t, addr) != 40 {
		if time.Now().After(deadline) {
			t.Fatalf("defaults.target 40 from the file not in force:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	write("defaults:\n  target: 40.0\n  max: 0\n")
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, &logs, "configuration reload refused")
	if !strings.Contains(logs.String(), "config.yaml:3:8: defaults.max") {
		t.Errorf("the refusal does not name file:line:col and the key:\n%s", logs.String())
	}
	time.Sleep(3 * time.Second) // a pass or two under the configuration in force
	if got := explainTarget(t, addr); got != 40 {
		t.Errorf("after a refused reload the target is %v, want 40 (kept)", got)
	}

	write("defaults:\n  target: 30.0\nscaler:\n  interval: 3s\nserver:\n  max_header_bytes: 65536\n")
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitLog(t, &logs, "configuration reloaded")
	for _, key := range []string{"scaler.interval", "server.max_header_bytes"} {
		if !strings.Contains(logs.String(), key) {
			t.Errorf("a changed restart-only key %s is not named:\n%s", key, logs.String())
		}
	}
	// Restart-only: the server keeps the limit it started with.
	if code := bigHeaderStatus(t, addr); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("after the reload a 20 KB header got %d, want 431 still (server.* is restart-only)", code)
	}
	deadline = time.Now().Add(15 * time.Second)
	for explainTarget(t, addr) != 30 {
		if time.Now().After(deadline) {
			t.Fatalf("the reloaded target 30 is not in force:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDeprecatedFlagWarnsOnce: an old tuning flag still works and logs one
// warning naming its config key.
func TestDeprecatedFlagWarnsOnce(t *testing.T) {
	out, err := exec.Command(binary, "run", "--duration", "1s", "--listen", "127.0.0.1:0", "--log-level", "warn",
		"--interval", "3s", "--interval", "4s").CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "flag --interval is deprecated: set scaler.interval in the --config file"); n != 1 {
		t.Errorf("%d deprecation warnings for --interval, want 1:\n%s", n, out)
	}
}
