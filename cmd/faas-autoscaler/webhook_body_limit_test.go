package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWebhookMaxBodyFlag: --webhook-max-body-bytes sets the webhook's body
// limit (it was fixed at 1 MiB), and the 413 answer names the flag among
// its remedies.
//
// Seen failing before the flag: exit 2, "flag provided but not defined:
// -webhook-max-body-bytes".
func TestWebhookMaxBodyFlag(t *testing.T) {
	fns := writeTemp(t, "functions", "fn-a\n")
	addr, logs := startRun(t, nil, "--provider", "memory", "--functions-file", fns, "--webhook-auth", "none",
		"--webhook-max-body-bytes", "2048", "--duration", "30s", "--log-level", "warn")
	alert := `{"receiver":"scaler","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"FunctionLoadAboveTarget","function_name":"fn-a.openfaas-fn"},"annotations":{},"startsAt":"2026-11-26T14:55:36Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}],"version":"4"}`
	postBody := func(size int) (int, string) {
		t.Helper()
		body := append(bytes.Repeat([]byte(" "), size-len(alert)), alert...) // JSON white space pads
		resp, err := http.Post("http://"+addr+"/system/alert", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := postBody(2048); code == http.StatusRequestEntityTooLarge {
		t.Errorf("a body at the limit: 413 %s", body)
	}
	code, body := postBody(2049)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "body larger than 2048 bytes") ||
		!strings.Contains(body, "or raise --webhook-max-body-bytes") {
		t.Errorf("a body one byte over: %d %s, want 413 naming the limit and --webhook-max-body-bytes\n%s", code, body, logs.String())
	}
}
