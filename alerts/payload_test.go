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
		{"version is a number", `{"version":4,"alerts":[]}`, "wrong shape: field version: want string, got number"},
		{"version is a number beside a malformed alert", `{"version":4,"alerts":[{"labels":3}]}`, "wrong shape: field version: want string, got number"},
		{"truncatedAlerts is a string", `{"truncatedAlerts":"2","alerts":[]}`, "wrong shape: field truncatedAlerts: want number, got string"},
		{"missing alerts", `{"receiver":"scaler","version":"4"}`, "missing alerts field"},
		{"null alerts", `{"alerts":null,"version":"4"}`, "missing alerts field"},
		{"JSON null", `null`, "missing alerts field"},
		{"version 3", `{"version":"3","alerts":[]}`, `unsupported webhook version "3" (want "4" from AlertManager or "1" from Grafana)`},
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

// TestDecodeMalformedAlerts: an alert of the wrong shape is that alert's
// error (Message.Malformed, by index), never its batch's; the others decode
// as usual.
func TestDecodeMalformedAlerts(t *testing.T) {
	good := `{"status":"firing","labels":{"function_name":"a.fn"},"startsAt":"2026-11-26T14:55:36Z"}`
	tests := []struct{ name, alert, want string }{
		{"labels is a list", `{"labels":["a"]}`, "malformed alert: field labels: want an object, got array"},
		{"label value is a number", `{"labels":{"function_name":3}}`, `malformed alert: label "function_name": want a string, got number`},
		{"label value is an object", `{"labels":{"a":"x","b":{}}}`, `malformed alert: label "b": want a string, got object`},
		{"annotations is a string", `{"annotations":"load=3"}`, "malformed alert: field annotations: want an object, got string"},
		{"bad time", `{"startsAt":"yesterday"}`, `malformed alert: field startsAt: want an RFC 3339 time, got "yesterday"`},
		{"time is a number", `{"endsAt":1764168936}`, "malformed alert: field endsAt: want an RFC 3339 time, got 1764168936"},
		{"fingerprint is a number", `{"fingerprint":12}`, "malformed alert: field fingerprint: want a string, got number"},
		{"key case as encoding/json reads it", `{"Labels":{"x":true}}`, `malformed alert: label "x": want a string, got boolean`},
		{"an array", `["firing"]`, "malformed alert: want an object, got array"},
		{"a string", `"firing"`, "malformed alert: want an object, got string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(`{"version":"4","alerts":[` + good + `,` + tc.alert + `,` + good + `]}`))
			if err != nil {
				t.Fatalf("Decode: %v; want the batch decoded", err)
			}
			if len(m.Alerts) != 3 || len(m.Malformed) != 1 || m.Malformed[1] == nil {
				t.Fatalf("alerts %d, malformed %v; want 3 alerts and index 1 malformed", len(m.Alerts), m.Malformed)
			}
			if got := m.Malformed[1].Error(); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
			for _, i := range []int{0, 2} {
				if a := m.Alerts[i]; a.Labels["function_name"] != "a.fn" || a.StartsAt.IsZero() {
					t.Errorf("alert %d = %+v, want it decoded", i, a)
				}
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
