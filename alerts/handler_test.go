package alerts

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func decodeResponse(t *testing.T, w *httptest.ResponseRecorder) Response {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var r Response
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("response body %q: %v", w.Body.String(), err)
	}
	return r
}

func TestHandlerAuth(t *testing.T) {
	const basicChallenge, bearerChallenge = `Basic realm="faas-autoscaler"`, `Bearer realm="faas-autoscaler"`
	basic := func(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }
	header := func(v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
	none := func(*http.Request) {}
	tests := []struct {
		name       string
		mode       AuthMode
		creds      func(*http.Request)
		wantCode   int
		wantReason string // auth-failure reason counted, for 401s
		challenges []string
	}{
		{"basic: right credentials", AuthBasic, basic("admin", "s3cret"), 200, "", nil},
		{"basic: no header", AuthBasic, none, 401, "missing", []string{basicChallenge}},
		{"basic: wrong password", AuthBasic, basic("admin", "wrong"), 401, "wrong_credentials", []string{basicChallenge}},
		{"basic: wrong user", AuthBasic, basic("root", "s3cret"), 401, "wrong_credentials", []string{basicChallenge}},
		{"basic: password is a prefix", AuthBasic, basic("admin", "s3cre"), 401, "wrong_credentials", []string{basicChallenge}},
		{"basic: malformed base64", AuthBasic, header("Basic !!!"), 401, "wrong_credentials", []string{basicChallenge}},
		{"basic: bearer offered", AuthBasic, header("Bearer tok3n"), 401, "wrong_scheme", []string{basicChallenge}},
		{"default mode is basic", "", none, 401, "missing", []string{basicChallenge}},
		{"bearer: right token", AuthBearer, header("Bearer tok3n"), 200, "", nil},
		{"bearer: scheme is case-insensitive", AuthBearer, header("bearer tok3n"), 200, "", nil},
		{"bearer: wrong token", AuthBearer, header("Bearer tok3"), 401, "wrong_credentials", []string{bearerChallenge}},
		{"bearer: basic offered", AuthBearer, basic("admin", "s3cret"), 401, "wrong_scheme", []string{bearerChallenge}},
		{"basic+bearer: basic", AuthBasicOrBearer, basic("admin", "s3cret"), 200, "", nil},
		{"basic+bearer: bearer", AuthBasicOrBearer, header("Bearer tok3n"), 200, "", nil},
		{"basic+bearer: neither", AuthBasicOrBearer, none, 401, "missing", []string{basicChallenge, bearerChallenge}},
		{"basic+bearer: wrong token", AuthBasicOrBearer, header("Bearer nope"), 401, "wrong_credentials", []string{basicChallenge, bearerChallenge}},
		{"none: nothing needed", AuthNone, none, 200, "", nil},
		{"none: credentials ignored", AuthNone, basic("x", "y"), 200, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			reg := prometheus.NewRegistry()
			cfg := testConfig(sink, reg)
			cfg.Auth, cfg.BearerToken = tc.mode, "tok3n"
			if tc.mode == AuthBearer || tc.mode == AuthNone {
				cfg.Username, cfg.Password = "", ""
			}
			h := newTestHandler(t, cfg)
			r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(payload(alertJSON("firing", "figlet.fn", "f1", ""))))
			tc.creds(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantCode {
				t.Fatalf("code %d, want %d; body %s", w.Code, tc.wantCode, w.Body)
			}
			if d := cmp.Diff(tc.challenges, w.Header().Values("WWW-Authenticate")); d != "" {
				t.Errorf("WWW-Authenticate (-want +got):\n%s", d)
			}
			wantSignals := 0
			if tc.wantCode == 200 {
				wantSignals = 1
			}
			if n := len(sink.got()); n != wantSignals {
				t.Errorf("sink got %d signals, want %d", n, wantSignals)
			}
			for _, reason := range authReasons {
				want := 0.0
				if reason == tc.wantReason {
					want = 1
				}
				if got := testutil.ToFloat64(h.metrics.authFailures.WithLabelValues(reason)); got != want {
					t.Errorf("auth failures{reason=%s} = %v, want %v", reason, got, want)
				}
			}
			if tc.wantCode == 401 {
				if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues("unauthorized")); got != 1 {
					t.Errorf("requests{result=unauthorized} = %v, want 1", got)
				}
			}
		})
	}
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			sink := &recordingSink{}
			h := newTestHandler(t, testConfig(sink, nil))
			r := httptest.NewRequest(method, Path, strings.NewReader(string(payload(alertJSON("firing", "figlet.fn", "f1", "")))))
			r.SetBasicAuth("admin", "s3cret")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
				t.Errorf("code %d Allow %q, want 405 POST", w.Code, w.Header().Get("Allow"))
			}
			if len(sink.got()) != 0 {
				t.Error("sink was called")
			}
			if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues("method_not_allowed")); got != 1 {
				t.Errorf("requests{result=method_not_allowed} = %v", got)
			}
		})
	}
}

// chunkedReader hides the body length so the handler cannot refuse on
// Content-Length and must stop reading at the limit.
type chunkedReader struct{ io.Reader }

func TestHandlerBodyLimit(t *testing.T) {
	const limit = 4096
	// The remedies include the setting that raises the limit, named by the
	// caller (Config.MaxBodySetting).
	// Seen failing before the setting existed: error "body larger than 4096
	// bytes: make AlertManager send smaller batches (max_alerts on the
	// webhook_config, or group_by [alertname, function_name] on the route)".
	// The body is not read, so the sender is not known: the remedies are
	// AlertManager's and Grafana's (seen failing before the rewording: the
	// answer named AlertManager alone).
	const tooLargeWant = "body larger than 4096 bytes: make the sender send smaller batches " +
		"(AlertManager: max_alerts on the webhook_config, or group_by [alertname, function_name] on the route; " +
		"Grafana: Max Alerts on the webhook contact point, or group by function_name in the notification policy), " +
		"or raise --webhook-max-body-bytes"
	small := payload(alertJSON("firing", "figlet.fn", "f1", ""))
	// Pad with valid JSON white space so only the size differs.
	padded := func(n int) []byte { return append(bytes.Repeat([]byte(" "), n-len(small)), small...) }
	tests := []struct {
		name     string
		body     []byte
		chunked  bool
		wantCode int
	}{
		{"small", small, false, 200},
		{"exactly at the limit", padded(limit), false, 200},
		{"one byte over, with Content-Length", padded(limit + 1), false, 413},
		{"one byte over, chunked", padded(limit + 1), true, 413},
		{"far over, chunked", padded(10 * limit), true, 413},
		{"at the limit, chunked", padded(limit), true, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			var logs bytes.Buffer
			cfg := testConfig(sink, nil)
			cfg.MaxBody = limit
			cfg.MaxBodySetting = "--webhook-max-body-bytes"
			cfg.Logger = slogText(&logs)
			h := newTestHandler(t, cfg)
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				body = chunkedReader{body}
			}
			r := httptest.NewRequest(http.MethodPost, Path, body)
			if tc.chunked {
				r.ContentLength = -1
			}
			r.SetBasicAuth("admin", "s3cret")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantCode {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.wantCode, w.Body)
			}
			if tc.wantCode == 413 {
				// AlertManager does not retry a 413 and sends the same
				// oversized group again at every change: the answer and the
				// controller's log must say how to make the batches fit.
				if resp := decodeResponse(t, w); resp.Result != "too_large" || resp.Error != tooLargeWant {
					t.Errorf("response %+v, want error %q", resp, tooLargeWant)
				}
				if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "max_alerts") ||
					!strings.Contains(logs.String(), "Max Alerts") || !strings.Contains(logs.String(), "--webhook-max-body-bytes") {
					t.Errorf("no warning naming max_alerts for a refused body; log:\n%s", logs.String())
				}
				if len(sink.got()) != 0 {
					t.Error("sink called for a refused body")
				}
			}
		})
	}
}

func TestHandlerBadRequest(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"not JSON", `<html>`, "bad webhook payload: not JSON: invalid character '<'"},
		{"empty", ``, "bad webhook payload: not JSON: unexpected end of JSON input"},
		{"wrong shape", `{"alerts":"figlet"}`, "bad webhook payload: wrong shape: field alerts: want array, got string"},
		{"missing alerts", `{"version":"4","status":"firing"}`, "bad webhook payload: missing alerts field"},
		{"version 5", `{"version":"5","alerts":[]}`, `bad webhook payload: unsupported webhook version "5" (want "4" from AlertManager or "1" from Grafana)`},
		{"every alert unusable", string(payload(alertJSON("firing", "", "f1", ""), alertJSON("pending", "f.ns", "f2", ""))), "no usable alert in the batch"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			h := newTestHandler(t, testConfig(sink, nil))
			w := post(h, []byte(tc.body))
			if w.Code != http.StatusBadRequest {
				t.Fatalf("code %d, want 400: %s", w.Code, w.Body)
			}
			resp := decodeResponse(t, w)
			if resp.Result != "bad_request" || !strings.HasPrefix(resp.Error, tc.wantErr) {
				t.Errorf("response %+v, want error prefix %q", resp, tc.wantErr)
			}
			if len(sink.got()) != 0 {
				t.Error("sink called")
			}
			if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues("bad_request")); got != 1 {
				t.Errorf("requests{result=bad_request} = %v", got)
			}
		})
	}
}

func TestHandlerVersion(t *testing.T) {
	alert := alertJSON("firing", "figlet.fn", "f1", "")
	tests := []struct {
		name     string
		version  string // raw JSON member, "" = absent
		wantCode int
	}{
		{"4", `"version":"4",`, 200},
		{"absent is accepted as 4", ``, 200},
		{"3", `"version":"3",`, 400},
		{"1 is Grafana's", `"version":"1",`, 200},
		{"2", `"version":"2",`, 400},
		{"empty string is absent", `"version":"",`, 200},
		{"number 4", `"version":4,`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{}
			h := newTestHandler(t, testConfig(sink, nil))
			w := post(h, []byte(`{`+tc.version+`"receiver":"scaler","alerts":[`+alert+`]}`))
			if w.Code != tc.wantCode {
				t.Errorf("code %d, want %d: %s", w.Code, tc.wantCode, w.Body)
			}
		})
	}
}

func TestHandlerMetricsRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newTestHandler(t, testConfig(&recordingSink{}, reg))
	post(h, readFixture(t, "am025-ce-firing.json"))
	n, err := testutil.GatherAndCount(reg,
		"faas_autoscaler_webhook_requests_total", "faas_autoscaler_webhook_alerts_total",
		"faas_autoscaler_webhook_auth_failures_total", "faas_autoscaler_webhook_duration_seconds")
	if err != nil {
		t.Fatal(err)
	}
	// 7 request results + 3×6 status×result + 3 auth reasons + 1 histogram,
	// all present from the start so rate() works before the first failure.
	if want := len(requestResults) + len(alertStatuses)*len(alertResults) + len(authReasons) + 1; n != want {
		t.Errorf("%d series, want %d", n, want)
	}
	if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues("accepted")); got != 1 {
		t.Errorf("requests{result=accepted} = %v", got)
	}
	// A second handler on the same registry is a configuration error, not a panic.
	if _, err := NewHandler(testConfig(&recordingSink{}, reg)); err == nil {
		t.Error("second handler on one registry: no error")
	}
}

// With AlertManager's wrong password the refusals are logged at most once
// per authLogEvery, however often AlertManager retries; the counter counts all.
func TestHandlerAuthFailureLogIsRateLimited(t *testing.T) {
	var logs bytes.Buffer
	cfg := testConfig(&recordingSink{}, nil)
	cfg.Logger = slogText(&logs)
	h := newTestHandler(t, cfg)
	for range 5 {
		r := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(`{}`))
		r.SetBasicAuth("admin", "wrong")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if n := strings.Count(logs.String(), "webhook request refused"); n != 1 {
		t.Errorf("%d log lines for 5 refusals, want 1:\n%s", n, logs.String())
	}
	if got := testutil.ToFloat64(h.metrics.authFailures.WithLabelValues("wrong_credentials")); got != 5 {
		t.Errorf("auth failures = %v, want 5", got)
	}
}
