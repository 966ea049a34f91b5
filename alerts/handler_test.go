package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
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
			cfg := testConfig(sink, nil)
			cfg.MaxBody = limit
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
				if resp := decodeResponse(t, w); resp.Result != "too_large" || resp.Error != "body larger than 4096 bytes" {
					t.Errorf("response %+v", resp)
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
		{"version 5", `{"version":"5","alerts":[]}`, `bad webhook payload: unsupported webhook version "5" (want "4")`},
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

// The real AlertManager 0.25 batch of the OpenFaaS CE grouping (one POST for
// all functions): a resolved and two firing alerts in three namespaces.
func TestHandlerMixedBatchAcrossNamespaces(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	w := post(h, readFixture(t, "am025-mixed-namespaces.json"))
	if w.Code != 200 {
		t.Fatalf("code %d: %s", w.Code, w.Body)
	}
	startsFiring := time.Date(2026, 11, 26, 14, 55, 36, 608647130, time.UTC)
	want := []scaler.Signal{
		{Ref: provider.Ref{Name: "env.staging", Namespace: "v2"}, Status: scaler.Resolved, AlertName: "FunctionLoadHigh", Load: ptr(0.25),
			Fingerprint: "2f45459d8f809994", StartsAt: time.Date(2026, 11, 26, 14, 50, 0, 0, time.UTC), Received: testTime},
		{Ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, Status: scaler.Firing, AlertName: "FunctionLoadHigh", Load: ptr(412.5),
			Fingerprint: "04d28bd30b711a29", StartsAt: startsFiring, Received: testTime},
		{Ref: provider.Ref{Name: "resize", Namespace: "images"}, Status: scaler.Firing, AlertName: "FunctionLoadHigh", Load: ptr(7.0),
			Fingerprint: "c90bee0e91f302e1", StartsAt: startsFiring, Received: testTime},
	}
	if d := cmp.Diff(want, sink.got()); d != "" {
		t.Errorf("signals (-want +got):\n%s", d)
	}
	resp := decodeResponse(t, w)
	if resp.Result != "accepted" || resp.Alerts != 3 || resp.Accepted != 3 || resp.Failed != 0 {
		t.Errorf("response %+v", resp)
	}
	for _, c := range []struct {
		status string
		want   float64
	}{{"firing", 2}, {"resolved", 1}} {
		if got := testutil.ToFloat64(h.metrics.alerts.WithLabelValues(c.status, "accepted")); got != c.want {
			t.Errorf("alerts{status=%s,result=accepted} = %v, want %v", c.status, got, c.want)
		}
	}
}

// OpenFaaS CE's alert (no load annotation, no namespace in function_name)
// keeps working: the migration path.
func TestHandlerCEAlert(t *testing.T) {
	sink := &recordingSink{}
	cfg := testConfig(sink, nil)
	cfg.DefaultNamespace = "team-a"
	h := newTestHandler(t, cfg)
	for _, f := range []string{"am025-ce-firing.json", "am025-ce-resolved.json"} {
		if w := post(h, readFixture(t, f)); w.Code != 200 {
			t.Fatalf("%s: code %d: %s", f, w.Code, w.Body)
		}
	}
	got := sink.got()
	if len(got) != 2 {
		t.Fatalf("got %d signals", len(got))
	}
	for i, wantStatus := range []scaler.AlertStatus{scaler.Firing, scaler.Resolved} {
		s := got[i]
		if s.Ref != (provider.Ref{Name: "figlet", Namespace: "team-a"}) || s.Status != wantStatus ||
			s.AlertName != "APIHighInvocationRate" || s.Load != nil || s.Fingerprint != "82265cca30f6409e" {
			t.Errorf("signal %d = %+v", i, s)
		}
	}
}

// One batch with every kind of per-alert outcome: the good alerts are handed
// on, each bad one gets its own error, and the batch is answered 200.
func TestHandlerPartialFailures(t *testing.T) {
	sink := &recordingSink{errs: map[string]error{
		"gone.fn": scaler.ErrUnknownFunction,
	}}
	h := newTestHandler(t, testConfig(sink, nil))
	body := payload(
		alertJSON("firing", "figlet.fn", "a1", `"load":"10"`),    // 0 accepted
		alertJSON("firing", "", "a2", ""),                        // 1 no function_name
		alertJSON("firing", "fig let.fn", "a3", ""),              // 2 bad name
		alertJSON("firing", "resize.img", "a4", `"load":"lots"`), // 3 bad load
		alertJSON("pending", "resize.img", "a5", ""),             // 4 bad status
		alertJSON("firing", "gone.fn", "a6", ""),                 // 5 unknown function
		alertJSON("firing", "figlet.fn", "a1", `"load":"10"`),    // 6 duplicate of 0
		alertJSON("resolved", "figlet.fn", "a1", `"load":"1"`),   // 7 same alert, other status: not a duplicate
		alertJSON("resolved", "resize.img", "a7", ""),            // 8 accepted
	)
	w := post(h, body)
	if w.Code != 200 {
		t.Fatalf("code %d: %s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w)
	type row struct{ Result, Function, Error string }
	var got []row
	for _, r := range resp.Results {
		got = append(got, row{r.Result, r.Function, r.Error})
	}
	want := []row{
		{"accepted", "figlet.fn", ""},
		{"invalid", "", "no function_name label"},
		{"invalid", "", `function_name "fig let.fn": not a valid function name (want name.namespace of [-a-zA-Z0-9_.])`},
		{"invalid", "", `annotation load "lots": want a finite number ≥ 0`},
		{"invalid", "", `status "pending": want firing or resolved`},
		{"unknown_function", "gone.fn", "unknown function"},
		{"duplicate", "figlet.fn", ""},
		{"accepted", "figlet.fn", ""},
		{"accepted", "resize.img", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if resp.Accepted != 3 || resp.Failed != 4 || resp.Result != "accepted" {
		t.Errorf("counts: %+v", resp)
	}
	if n := len(sink.got()); n != 3 {
		t.Errorf("sink got %d signals, want 3", n)
	}
	for _, c := range []struct {
		status, result string
		want           float64
	}{
		{"firing", "accepted", 1}, {"resolved", "accepted", 2}, {"firing", "invalid", 3}, {"invalid", "invalid", 1},
		{"firing", "unknown_function", 1}, {"firing", "duplicate", 1},
	} {
		if got := testutil.ToFloat64(h.metrics.alerts.WithLabelValues(c.status, c.result)); got != c.want {
			t.Errorf("alerts{status=%s,result=%s} = %v, want %v", c.status, c.result, got, c.want)
		}
	}
}

// AlertManager retries and re-sends: the same batch posted twice is answered
// the same way both times and hands the same signals on, which the scaler
// recognises by fingerprint; the handler keeps no state between requests.
func TestHandlerRepeatedBatch(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	body := readFixture(t, "am025-mixed-namespaces.json")
	first, second := post(h, body), post(h, body)
	if first.Code != 200 || second.Code != 200 || first.Body.String() != second.Body.String() {
		t.Fatalf("answers differ: %d %s / %d %s", first.Code, first.Body, second.Code, second.Body)
	}
	got := sink.got()
	if d := cmp.Diff(got[:3], got[3:]); d != "" {
		t.Errorf("second delivery differs (-first +second):\n%s", d)
	}
}

func TestHandlerUnavailable(t *testing.T) {
	tests := []struct {
		name       string
		errs       map[string]error
		alerts     []string
		wantCode   int
		wantResult string
	}{
		{"sink unavailable for all", map[string]error{"a.fn": scaler.ErrUnavailable, "b.fn": scaler.ErrUnavailable},
			[]string{alertJSON("firing", "a.fn", "1", ""), alertJSON("resolved", "b.fn", "2", "")}, 503, "unavailable"},
		{"wrapped unavailable", map[string]error{"a.fn": errWrap{scaler.ErrUnavailable}},
			[]string{alertJSON("firing", "a.fn", "1", "")}, 503, "unavailable"},
		{"some accepted, the rest unavailable: a retry helps", map[string]error{"b.fn": scaler.ErrUnavailable},
			[]string{alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", "")}, 503, "unavailable"},
		{"unavailable mixed with invalid: accepted work answers 200", map[string]error{"b.fn": scaler.ErrUnavailable},
			[]string{alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "", "3", "")}, 200, "accepted"},
		{"unknown function is not retryable", map[string]error{"a.fn": scaler.ErrUnknownFunction},
			[]string{alertJSON("firing", "a.fn", "1", "")}, 200, "accepted"},
		{"other sink error and nothing accepted", map[string]error{"a.fn": errors.New("queue closed")},
			[]string{alertJSON("firing", "a.fn", "1", "")}, 500, "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &recordingSink{errs: tc.errs}
			h := newTestHandler(t, testConfig(sink, nil))
			w := post(h, payload(tc.alerts...))
			if w.Code != tc.wantCode {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.wantCode, w.Body)
			}
			wantRetry := ""
			if tc.wantCode == 503 {
				wantRetry = "5"
			}
			if got := w.Header().Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After %q, want %q", got, wantRetry)
			}
			if resp := decodeResponse(t, w); resp.Result != tc.wantResult {
				t.Errorf("result %q, want %q", resp.Result, tc.wantResult)
			}
			if got := testutil.ToFloat64(h.metrics.requests.WithLabelValues(tc.wantResult)); got != 1 {
				t.Errorf("requests{result=%s} = %v", tc.wantResult, got)
			}
		})
	}
}

type errWrap struct{ err error }

func (e errWrap) Error() string { return "loop: " + e.err.Error() }
func (e errWrap) Unwrap() error { return e.err }

// A request whose context is already done hands nothing on and asks for a
// retry instead of blocking AlertManager's flush.
func TestHandlerRequestContextDone(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, Path, bytes.NewReader(payload(alertJSON("firing", "a.fn", "1", ""))))
	r.SetBasicAuth("admin", "s3cret")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 503 {
		t.Fatalf("code %d: %s", w.Code, w.Body)
	}
	if n := len(sink.got()); n != 0 {
		t.Errorf("sink got %d signals after the request was cancelled", n)
	}
}

// The sink sees the handler's bounded context: a deadline no later than the
// configured timeout.
func TestHandlerBoundsSinkContext(t *testing.T) {
	var deadline time.Time
	var ok bool
	sink := sinkFunc(func(ctx context.Context, s scaler.Signal) error {
		deadline, ok = ctx.Deadline()
		return nil
	})
	cfg := testConfig(sink, nil)
	cfg.Timeout = 2 * time.Second
	h := newTestHandler(t, cfg)
	before := time.Now()
	if w := post(h, payload(alertJSON("firing", "a.fn", "1", ""))); w.Code != 200 {
		t.Fatalf("code %d", w.Code)
	}
	if !ok || deadline.After(before.Add(2*time.Second+time.Second)) {
		t.Errorf("sink context deadline %v (set %v), want within the 2s timeout", deadline, ok)
	}
}

type sinkFunc func(ctx context.Context, s scaler.Signal) error

func (f sinkFunc) Notify(ctx context.Context, s scaler.Signal) error { return f(ctx, s) }

func TestHandlerEmptyBatch(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	w := post(h, []byte(`{"version":"4","alerts":[]}`))
	if w.Code != 200 {
		t.Fatalf("code %d", w.Code)
	}
	if resp := decodeResponse(t, w); resp.Alerts != 0 || resp.Result != "accepted" {
		t.Errorf("response %+v", resp)
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

// AlertManager's max_alerts cut the batch (a real AM 0.25 payload): the
// alerts it sent are handled and the count is echoed in the answer.
func TestHandlerTruncatedBatch(t *testing.T) {
	sink := &recordingSink{}
	var logs bytes.Buffer
	cfg := testConfig(sink, nil)
	cfg.Logger = slogText(&logs)
	h := newTestHandler(t, cfg)
	w := post(h, readFixture(t, "am025-truncated.json"))
	if w.Code != 200 {
		t.Fatalf("code %d: %s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w)
	if resp.TruncatedAlerts != 1 || resp.Accepted != 2 || len(sink.got()) != 2 {
		t.Errorf("response %+v, %d signals", resp, len(sink.got()))
	}
	if !strings.Contains(logs.String(), "truncated=1") {
		t.Errorf("no warning about the truncation:\n%s", logs.String())
	}
}
