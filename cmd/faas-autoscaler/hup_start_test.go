package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestHUPWhileStartingIsNotFatal: a SIGHUP that arrives while the process
// is still starting (a ConfigMap changed as the pod came up) neither kills
// it (Go's default action for a SIGHUP nobody asked for is to exit) nor is
// lost: the file is read again once the controller runs. The start is held
// on a --functions-file that is a FIFO, read after the configuration.
//
// Seen failing: with the SIGHUP registered only when the reload loop starts
// (as before), the process died: "signal: hangup".
func TestHUPWhileStartingIsNotFatal(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("defaults:\n  target: 40.0\n")
	fifo := filepath.Join(dir, "functions")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--provider", "memory", "--functions-file", fifo, "--config", cfg,
		"--duration", "60s", "--listen", "fd:3", "--log-level", "info")
	cmd.ExtraFiles = []*os.File{lnFile}
	var logs teststack.SyncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited closes when the process has ended, waitErr then says how;
	// a closed channel lets both a select and the cleanup see the end.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })

	// Opening the FIFO's write end returns once the process has opened its
	// read end: it has read the configuration and waits for the functions.
	opened := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
		}
		opened <- w
	}()
	var w *os.File
	select {
	case w = <-opened:
	case <-exited:
		t.Fatalf("the process exited before reading --functions-file: %v\n%s", waitErr, logs.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("the process never opened --functions-file:\n%s", logs.String())
	}
	write("defaults:\n  target: 30.0\n")
	_ = cmd.Process.Signal(syscall.SIGHUP)
	select {
	case <-exited:
		t.Fatalf("a SIGHUP while starting ended the process: %v\n%s", waitErr, logs.String())
	case <-time.After(500 * time.Millisecond):
	}
	if _, err := w.WriteString("fn-a\n"); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	if err := teststack.WaitOK("http://"+addr+"/healthz", 15*time.Second, nil); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	waitLog(t, &logs, "configuration reloaded")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if target, ok := explainTargetOf(t, addr, "fn-a"); ok && target == 30 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the target 30 written before the SIGHUP is not in force:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// explainTargetOf is the scaler's spec target of function name in
// openfaas-fn, and false until the explain API knows it.
func explainTargetOf(t *testing.T, addr, name string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/functions/openfaas-fn/" + name)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var body struct {
		Spec *struct {
			Target float64 `json:"target"`
		} `json:"spec"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || body.Spec == nil {
		return 0, false
	}
	return body.Spec.Target, true
}
