package alerts

import (
	"encoding/json"
	"net/http"
)

// Response is the JSON body of every webhook answer. AlertManager only reads
// the status code; the body is for people and for tests (curl, logs of a
// relay).
type Response struct {
	// Result is the request result, the same value as the `result` label of
	// faas_autoscaler_webhook_requests_total.
	Result string `json:"result"`
	// Error says why the request as a whole was refused (4xx/5xx).
	Error string `json:"error,omitempty"`
	// Alerts is the batch size; Accepted counts alerts handed to the sink;
	// Failed counts invalid, unavailable and error results. Duplicates and
	// unknown functions are in neither: they are handled, nothing to do.
	Alerts   int `json:"alerts"`
	Accepted int `json:"accepted"`
	Failed   int `json:"failed"`
	// TruncatedAlerts echoes AlertManager's count of alerts it left out.
	TruncatedAlerts uint64 `json:"truncatedAlerts,omitempty"`
	// Results has one entry per alert, in batch order.
	Results []AlertResult `json:"results,omitempty"`
}

// AlertResult is what became of one alert of the batch.
type AlertResult struct {
	// Index is the alert's position in the batch's alerts array.
	Index int `json:"index"`
	// Function is "name.namespace" once function_name parsed.
	Function    string `json:"function,omitempty"`
	Status      string `json:"status,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Result is the value of the `result` label of
	// faas_autoscaler_webhook_alerts_total: accepted, duplicate, invalid,
	// unknown_function, ignored, unavailable or error. Error says why for
	// all but accepted and duplicate (for ignored: the scaler is off, or
	// the alert says its rule had no data).
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// writeJSON writes v with the status code. A marshal failure cannot happen for
// these types; if it did, the status line still goes out.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"result":"error","error":"cannot encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
