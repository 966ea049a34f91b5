package alerts

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// withTruncated returns body with its truncatedAlerts set to n.
func withTruncated(t *testing.T, body []byte, n int) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m["truncatedAlerts"] = n
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logLine is the first line of logs holding marker ("" when none does).
func logLine(logs, marker string) string {
	for line := range strings.SplitSeq(logs, "\n") {
		if strings.Contains(line, marker) {
			return line
		}
	}
	return ""
}

// The warnings a batch causes name the sender its version identifies
// (Grafana's contact point sends "1", AlertManager "4") and that sender's
// remedy: Grafana has no max_alerts but a contact point's Max Alerts, and
// does not retry a failed webhook, so "asking AlertManager to retry" sent
// a Grafana operator looking for an AlertManager that is not there.
//
// Seen failing before the rewording: the Grafana lines read "AlertManager
// truncated the batch (max_alerts)" and "scaler unavailable: asking
// AlertManager to retry", with no sender attribute.
func TestWarningsNameTheSender(t *testing.T) {
	grafana := readFixture(t, "grafana-firing.json")
	am := readFixture(t, "am025-ce-firing.json")
	for _, tc := range []struct {
		name, marker string
		body         []byte
		sinkErr      error
		want         []string
		wantNot      []string
	}{
		{"Grafana truncated", "truncated the batch", withTruncated(t, grafana, 3), nil,
			[]string{"sender=Grafana", "receiver=faas-autoscaler", "truncated=3", "Max Alerts on the Grafana webhook contact point"},
			[]string{"AlertManager", "max_alerts"}},
		{"AlertManager truncated", "truncated the batch", withTruncated(t, am, 2), nil,
			[]string{"sender=AlertManager", "receiver=scaler", "truncated=2", "max_alerts on the AlertManager webhook_config"},
			[]string{"Grafana"}},
		{"Grafana, scaler unavailable", "scaler unavailable", grafana, scaler.ErrUnavailable,
			[]string{"sender=Grafana", "receiver=faas-autoscaler", "does not retry", "periodic evaluation"},
			[]string{"AlertManager"}},
		{"AlertManager, scaler unavailable", "scaler unavailable", am, scaler.ErrUnavailable,
			[]string{"sender=AlertManager", "receiver=scaler", "AlertManager retries"},
			[]string{"Grafana"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := testConfig(&recordingSink{all: tc.sinkErr}, nil)
			cfg.Logger = slogText(&logs)
			post(newTestHandler(t, cfg), tc.body)
			line := logLine(logs.String(), tc.marker)
			if line == "" {
				t.Fatalf("no %q line:\n%s", tc.marker, logs.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("line lacks %q: %s", w, line)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(line, w) {
					t.Errorf("line names %q, not this sender: %s", w, line)
				}
			}
		})
	}
}

// Refused credentials come before the body is read, so the sender is not
// known: the warning names where each sender keeps them.
//
// Seen failing before the rewording: "webhook request refused: check the
// AlertManager receiver's credentials", nothing about Grafana.
func TestAuthWarningNamesBothSenders(t *testing.T) {
	var logs bytes.Buffer
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Logger = slogText(&logs)
	h := newTestHandler(t, cfg)
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(readFixture(t, "grafana-firing.json")))
	r.SetBasicAuth("admin", "wrong")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("code %d, want 401", w.Code)
	}
	line := logLine(logs.String(), "webhook request refused")
	for _, want := range []string{"check the sender's credentials", "AlertManager: http_config", "Grafana: the webhook contact point"} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %q: %s", want, line)
		}
	}
}
