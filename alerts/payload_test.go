package alerts

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		fixture   string
		alerts    int
		firing    int
		groupKey  string
		wantEnded bool // some alert has a non-zero endsAt
	}{
		{"am025-ce-firing.json", 1, 1, `{}:{alertname="APIHighInvocationRate", function_name="figlet"}`, false},
		{"am025-ce-resolved.json", 1, 0, `{}:{alertname="APIHighInvocationRate", function_name="figlet"}`, true},
		{"am025-mixed-namespaces.json", 3, 2, `{}:{alertname="FunctionLoadHigh", service="gateway"}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			m, err := Decode(readFixture(t, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != "4" || m.Receiver != "scaler" || m.GroupKey != tc.groupKey {
				t.Errorf("version %q receiver %q groupKey %q", m.Version, m.Receiver, m.GroupKey)
			}
			if len(m.Alerts) != tc.alerts || len(m.Alerts.Firing()) != tc.firing {
				t.Errorf("alerts %d firing %d, want %d and %d", len(m.Alerts), len(m.Alerts.Firing()), tc.alerts, tc.firing)
			}
			ended := false
			for _, a := range m.Alerts {
				if a.StartsAt.IsZero() || a.Fingerprint == "" || a.Labels["function_name"] == "" {
					t.Errorf("alert %+v: startsAt, fingerprint or function_name missing", a)
				}
				ended = ended || !a.EndsAt.IsZero()
			}
			if ended != tc.wantEnded {
				t.Errorf("some endsAt set = %v, want %v", ended, tc.wantEnded)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // substring of the reason; "" = decodes
	}{
		{"empty body", ``, "not JSON: unexpected end of JSON input"},
		{"not JSON", `alert!`, "not JSON: invalid character 'a'"},
		{"truncated", `{"alerts":[`, "not JSON: unexpected end of JSON input"},
		{"trailing garbage", `{"alerts":[]} x`, "not JSON: invalid character 'x' after top-level value"},
		{"top-level array", `[{"alerts":[]}]`, "wrong shape: want a JSON object, got array"},
		{"top-level string", `"firing"`, "wrong shape: want a JSON object, got string"},
		{"alerts is an object", `{"alerts":{"status":"firing"}}`, "wrong shape: field alerts: want array, got object"},
		{"labels is a list", `{"alerts":[{"labels":["a"]}]}`, "wrong shape: field alerts.labels: want object, got array"},
		{"label value is a number", `{"alerts":[{"labels":{"function_name":3}}]}`, "wrong shape: field alerts.labels: want string, got number"},
		{"version is a number", `{"version":4,"alerts":[]}`, "wrong shape: field version: want string, got number"},
		{"bad time", `{"alerts":[{"startsAt":"yesterday"}]}`, "not JSON: parsing time"},
		{"missing alerts", `{"receiver":"scaler","version":"4"}`, "missing alerts field"},
		{"null alerts", `{"alerts":null,"version":"4"}`, "missing alerts field"},
		{"JSON null", `null`, "missing alerts field"},
		{"version 3", `{"version":"3","alerts":[]}`, `unsupported webhook version "3" (want "4")`},
		{"empty alerts list", `{"version":"4","alerts":[]}`, ""},
		{"absent version is read as 4", `{"alerts":[]}`, ""},
		{"unknown fields ignored (newer AlertManager)", `{"version":"4","alerts":[],"routeLabels":{},"notification_reason":"x","future":1}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.body))
			if tc.want == "" {
				if err != nil || m == nil || m.Alerts == nil {
					t.Fatalf("Decode = %+v, %v; want a message", m, err)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v (%T), want *DecodeError", err, err)
			}
			if !strings.Contains(de.Reason, tc.want) {
				t.Errorf("reason %q, want it to contain %q", de.Reason, tc.want)
			}
		})
	}
}

func TestDecodeKeepsTimes(t *testing.T) {
	m, err := Decode(readFixture(t, "am025-ce-resolved.json"))
	if err != nil {
		t.Fatal(err)
	}
	a := m.Alerts[0]
	if !a.EndsAt.After(a.StartsAt) {
		t.Errorf("resolved alert: endsAt %s not after startsAt %s", a.EndsAt, a.StartsAt)
	}
	if a.StartsAt.Location() != time.UTC {
		t.Errorf("startsAt location %v", a.StartsAt.Location())
	}
}
