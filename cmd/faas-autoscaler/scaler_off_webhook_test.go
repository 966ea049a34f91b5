package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWebhookWithTheScalerOff: with scaler.enabled false nothing acts on
// alerts. The webhook answers 200, each alert "ignored" with the reason; it
// answered 503 "functions not listed yet" (the loop that would list never
// runs) and AlertManager retried without end.
func TestWebhookWithTheScalerOff(t *testing.T) {
	fns := writeTemp(t, "functions", "fn-a\n")
	cfg := writeTemp(t, "config.yaml", "scaler:\n  enabled: false\n")
	addr, _ := startRun(t, nil, "--provider", "memory", "--functions-file", fns, "--config", cfg,
		"--duration", "30s", "--log-level", "warn")
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
