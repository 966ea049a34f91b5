package alerts

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

// TestHandlerUnavailableBesideInvalidIsRetried: an alert the sink could not
// take now (unavailable) must be retried even when the batch also holds an
// invalid alert and an accepted one. AlertManager retries 5xx only, and after
// a 2xx its notification log holds the group as sent: an unchanged firing
// alert is not sent again before repeat_interval (notify/dedup_stage.go
// needsUpdate). Answering 200 lost b.fn's signal; the same batch without the
// invalid alert is already answered 503, and the accepted alert's re-delivery
// is a duplicate the scaler recognises by fingerprint.
func TestHandlerUnavailableBesideInvalidIsRetried(t *testing.T) {
	tests := []struct {
		name   string
		alerts []string
	}{
		{"accepted, unavailable and invalid", []string{
			alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "", "3", ""),
		}},
		{"unavailable and invalid", []string{
			alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "fig let.fn", "3", ""),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{errs: map[string]error{"b.fn": scaler.ErrUnavailable}}
			h := newTestHandler(t, testConfig(sink, nil))
			w := post(h, payload(tc.alerts...))
			if w.Code != 503 {
				t.Fatalf("code %d, want 503 so AlertManager retries b.fn: %s", w.Code, w.Body)
			}
			if got := w.Header().Get("Retry-After"); got != "5" {
				t.Errorf("Retry-After %q, want %q", got, "5")
			}
			resp := decodeResponse(t, w)
			if resp.Result != "unavailable" || resp.Failed != 2 {
				t.Errorf("response %+v", resp)
			}
		})
	}
}
