package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/prometheus/alertmanager/template"
)

// WebhookVersion is the AlertManager webhook payload version this package reads.
const WebhookVersion = "4"

// Message is the body AlertManager's webhook integration posts: the template
// data plus three fields of its own. It has the JSON shape of alertmanager's
// notify/webhook.Message, which we do not import (that package pulls in about
// 530 packages; template pulls in a few).
type Message struct {
	template.Data

	// Version is "4" for every AlertManager since 0.4, "1" for Grafana's
	// webhook contact point (GrafanaWebhookVersion).
	Version string `json:"version"`
	// GroupKey identifies the AlertManager aggregation group.
	GroupKey string `json:"groupKey"`
	// TruncatedAlerts counts alerts AlertManager left out because of the
	// receiver's max_alerts.
	TruncatedAlerts uint64 `json:"truncatedAlerts"`

	// Malformed holds, by index in Alerts, each alert that did not have an
	// alert's JSON shape (a label value that is not a string, a startsAt
	// that is not a time), with the field at fault. Alerts[i] then holds
	// only what did decode, for the answer: it must not be acted on.
	Malformed map[int]error `json:"-"`
}

// DecodeError is a body that is not a usable webhook payload. The handler
// answers 400 with its message.
type DecodeError struct{ Reason string }

func (e *DecodeError) Error() string { return "bad webhook payload: " + e.Reason }

// Decode parses and checks one webhook body.
//
//   - The body must be one JSON object with the webhook's shape; unknown fields
//     are ignored, so newer AlertManagers (0.27 added routeLabels and
//     notification_reason) and extra fields of other senders decode.
//   - The alerts field must be present (an empty list is fine).
//   - version must be "4", or "1" from Grafana-managed alerting, whose
//     alerts have AlertManager's fields (its extra fields are ignored). An
//     absent version is accepted as "4": every AlertManager sends it, but
//     hand-written test payloads and some relays (the OpenFaaS CE gateway
//     never read it) leave it out, and the shape is checked field by field
//     anyway. Any other value is refused, since a future format may change
//     field meanings.
//
// An alert of the wrong shape does not spoil its batch either: it is recorded
// in Message.Malformed and the other alerts decode. Per-alert content
// (status, labels) is checked later, alert by alert, for the same reason.
func Decode(body []byte) (*Message, error) {
	m := &Message{}
	if err := json.Unmarshal(body, m); err != nil {
		// Decoding alert by alert costs a second pass; only a body that
		// failed as a whole pays it.
		if m, err = decodeEach(body); err != nil {
			return nil, &DecodeError{Reason: describeJSONError(err)}
		}
	}
	if m.Alerts == nil {
		// Absent and null both leave the slice nil; [] makes it non-nil.
		return nil, &DecodeError{Reason: "missing alerts field"}
	}
	switch m.Version {
	case "", WebhookVersion, GrafanaWebhookVersion:
	default:
		return nil, &DecodeError{Reason: fmt.Sprintf("unsupported webhook version %q (want %q from AlertManager or %q from Grafana)",
			m.Version, WebhookVersion, GrafanaWebhookVersion)}
	}
	return m, nil
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return t.String()
}

// describeJSONError turns encoding/json errors into a reason an operator can
// act on, naming the field and the offset.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON: %v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("wrong shape: want a JSON object, got %s", typ.Value)
		}
		// Fields of the embedded template.Data carry a "Data." prefix that
		// is not in the JSON.
		field := strings.TrimPrefix(typ.Field, "Data.")
		return fmt.Sprintf("wrong shape: field %s: want %s, got %s", field, jsonKind(typ.Type), typ.Value)
	default:
		return "not JSON: " + err.Error()
	}
}
