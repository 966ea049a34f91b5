package alerts

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"
)

// envelope is Message with its alerts left as raw JSON, so that each alert
// can be decoded on its own: an alert of the wrong shape (a label value
// that is a number, a startsAt that is not a time) is that alert's error,
// not its batch's. AlertManager never sends one; Grafana alerting, relays
// and hand-written senders do, and a 400 for the batch — which AlertManager
// does not retry — lost the scaling action of every valid alert beside it.
type envelope struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []json.RawMessage `json:"alerts"`
	GroupLabels       template.KV       `json:"groupLabels"`
	CommonLabels      template.KV       `json:"commonLabels"`
	CommonAnnotations template.KV       `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
}

// decodeEach decodes body alert by alert. It is the slow path, taken only
// when the body as a whole did not decode; it returns the envelope's own
// error when the batch itself is broken (not JSON, or a batch-level field
// of the wrong type).
func decodeEach(body []byte) (*Message, error) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, err
	}
	m := &Message{
		Data: template.Data{
			Receiver: e.Receiver, Status: e.Status, GroupLabels: e.GroupLabels, CommonLabels: e.CommonLabels,
			CommonAnnotations: e.CommonAnnotations, ExternalURL: e.ExternalURL,
		},
		Version: e.Version, GroupKey: e.GroupKey, TruncatedAlerts: e.TruncatedAlerts,
	}
	if e.Alerts == nil {
		return m, nil // Decode names the missing field
	}
	m.Alerts = make(template.Alerts, len(e.Alerts))
	for i, raw := range e.Alerts {
		a, err := decodeAlert(raw)
		m.Alerts[i] = a
		if err != nil {
			if m.Malformed == nil {
				m.Malformed = make(map[int]error)
			}
			m.Malformed[i] = err
		}
	}
	return m, nil
}

// decodeAlert decodes one alert. When it does not decode, the error names
// the first field at fault, and the alert returned holds what did decode
// (status, labels), for the answer only: it is never handed on.
func decodeAlert(raw json.RawMessage) (template.Alert, error) {
	var a template.Alert
	if err := json.Unmarshal(raw, &a); err == nil {
		return a, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return template.Alert{}, malformed("want an object, got %s", jsonKindOf(raw))
	}
	var part template.Alert
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	// encoding/json matches keys case-insensitively; so does this.
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable answer when several fields are wrong
	for _, k := range keys {
		v := fields[k]
		switch strings.ToLower(k) {
		case "status":
			fail(stringField(k, v, &part.Status))
		case "labels":
			part.Labels = kvField("label", k, v, fail)
		case "annotations":
			part.Annotations = kvField("annotation", k, v, fail)
		case "startsat":
			fail(timeField(k, v, &part.StartsAt))
		case "endsat":
			fail(timeField(k, v, &part.EndsAt))
		case "generatorurl":
			fail(stringField(k, v, &part.GeneratorURL))
		case "fingerprint":
			fail(stringField(k, v, &part.Fingerprint))
		}
	}
	if first == nil {
		// Every known field decoded alone: say what encoding/json said.
		first = malformed("%s", describeJSONError(json.Unmarshal(raw, &template.Alert{})))
	}
	return part, first
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("malformed alert: "+format, a...)
}

func stringField(name string, v json.RawMessage, dst *string) error {
	if err := json.Unmarshal(v, dst); err != nil {
		return malformed("field %s: want a string, got %s", name, jsonKindOf(v))
	}
	return nil
}

func timeField(name string, v json.RawMessage, dst *time.Time) error {
	if err := json.Unmarshal(v, dst); err != nil {
		return malformed("field %s: want an RFC 3339 time, got %s", name, shortJSON(v))
	}
	return nil
}

// kvField decodes a labels or annotations object value by value, keeping
// the string ones and naming the first key (in sorted order) that is not.
func kvField(what, name string, v json.RawMessage, fail func(error)) template.KV {
	var vals map[string]json.RawMessage
	if err := json.Unmarshal(v, &vals); err != nil {
		fail(malformed("field %s: want an object, got %s", name, jsonKindOf(v)))
		return nil
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kv := make(template.KV, len(vals))
	for _, k := range keys {
		var s string
		if err := json.Unmarshal(vals[k], &s); err != nil {
			fail(malformed("%s %q: want a string, got %s", what, k, jsonKindOf(vals[k])))
			continue
		}
		kv[k] = s
	}
	return kv
}

// jsonKindOf names the kind of one JSON value.
func jsonKindOf(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// shortJSON is a JSON value as sent, cut to a length that fits a log line.
func shortJSON(v json.RawMessage) string {
	const max = 64
	s := strings.TrimSpace(string(v))
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
