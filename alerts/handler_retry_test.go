package alerts

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
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

// timeoutErr is what a server's body read returns once its read deadline
// (ReadTimeout) passes while the sender is still sending: a net.Error.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "read tcp 10.0.0.1:8080->10.0.0.2:41234: i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// stalledBody yields the start of a valid body, then fails as a timed-out
// connection does.
type stalledBody struct{ r io.Reader }

func (s *stalledBody) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		return n, timeoutErr{}
	}
	return n, err
}

// TestBodyReadFailureIsRetried: a body the server could not read
// (the connection stalled until the read timeout) is no bad input: nothing
// of the payload was judged. 400 tells AlertManager not to retry (it retries
// 5xx only), so its alerts are lost until the group changes or
// repeat_interval; a 503 with Retry-After has the batch sent again.
//
// Seen failing before the fix (found by a review; the same with a real
// server whose ReadTimeout passed mid-body): body read failed with a
// timeout: code 400, want a 5xx AlertManager retries
func TestBodyReadFailureIsRetried(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	full := payload(alertJSON("firing", "figlet.fn", "f1", ""))
	r := httptest.NewRequest(http.MethodPost, Path, &stalledBody{r: bytes.NewReader(full[:len(full)/2])})
	r.ContentLength = int64(len(full))
	r.SetBasicAuth("admin", "s3cret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("body read failed with a timeout: code %d, Retry-After %q, want 503 with one, which AlertManager retries: %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}
