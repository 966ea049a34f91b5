package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestFunctionsFileRunsTheEmbeddedSource: with --provider memory
// --functions-file the controller is documented to hold the functions "itself
// (in-process simulated gateway, embedded source)", but wireEmbedded returns
// before it adds the simulated gateway's and the embedded source's Run to the
// process: the source never scrapes, so every activity read and load read is
// missing, forever. A function opted in to zero with a 2s zero-duration and
// no invocation at all is never idled (and the scaler has no load for any
// function).
func TestFunctionsFileRunsTheEmbeddedSource(t *testing.T) {
	dir := t.TempDir()
	fns := filepath.Join(dir, "functions")
	if err := os.WriteFile(fns, []byte("fn-a:com.openfaas.scale.zero=true,com.openfaas.scale.zero-duration=2s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("idler:\n  schedule: \"@every 1s\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--provider", "memory", "--functions-file", fns, "--config", cfg,
		"--duration", "60s", "--listen", "fd:3", "--log-level", "warn")
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
	var body string
	deadline := time.Now().Add(50 * time.Second) // 5 s scrapes: the window the idler asks covers several
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		body = get(t, "http://"+addr+"/api/v1/functions/openfaas-fn/fn-a")
		var f struct {
			Replicas *uint64 `json:"replicas"`
		}
		if json.Unmarshal([]byte(body), &f) == nil && f.Replicas != nil && *f.Replicas == 0 {
			return
		}
	}
	t.Errorf("--provider memory --functions-file: a function with zero=true, zero-duration=2s and no invocation is not idled after 50 s (idler every 1s); its explanation:\n%s", body)
}
