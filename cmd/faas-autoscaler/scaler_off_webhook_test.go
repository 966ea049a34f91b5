package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestWebhookWithTheScalerOff: with scaler.enabled false nothing acts on
// alerts. The webhook answers 200, each alert "ignored" with the reason; it
// answered 503 "functions not listed yet" (the loop that would list never
// runs) and AlertManager retried without end.
func TestWebhookWithTheScalerOff(t *testing.T) {
	dir := t.TempDir()
	fns := filepath.Join(dir, "functions")
	if err := os.WriteFile(fns, []byte("fn-a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("scaler:\n  enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, lnFile := teststack.InheritedListener(t)
	cmd := exec.Command(binary, "run", "--provider", "memory", "--functions-file", fns, "--config", cfg,
		"--duration", "30s", "--listen", "fd:3", "--log-level", "warn")
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
	body := `{"receiver":"scaler","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"FunctionLoadAboveTarget","function_name":"fn-a.openfaas-fn"},"annotations":{},"startsAt":"2026-11-26T14:55:36Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}],"version":"4"}`
	resp, err := http.Post("http://"+addr+"/system/alert", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ignored"`) {
		t.Errorf("webhook with the scaler off: %d %s, want 200 with the alert ignored", resp.StatusCode, b)
	}
}
