package alerts

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
)

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
		{Ref: provider.Ref{Name: "env.staging", Namespace: "v2"}, Status: scaler.Resolved, AlertName: "FunctionLoadHigh", Load: ptr(0.25), ScalingType: "rps",
			Fingerprint: "2f45459d8f809994", StartsAt: time.Date(2026, 11, 26, 14, 50, 0, 0, time.UTC), Received: testTime, Repeats: true},
		{Ref: provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}, Status: scaler.Firing, AlertName: "FunctionLoadHigh", Load: ptr(412.5), ScalingType: "rps",
			Fingerprint: "04d28bd30b711a29", StartsAt: startsFiring, Received: testTime, Repeats: true},
		{Ref: provider.Ref{Name: "resize", Namespace: "images"}, Status: scaler.Firing, AlertName: "FunctionLoadHigh", Load: ptr(7.0), ScalingType: "capacity",
			Fingerprint: "c90bee0e91f302e1", StartsAt: startsFiring, Received: testTime, Repeats: true},
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
		{"invalid", "", `annotation load "lots": want a finite number in [0, 1e+09]`},
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
		{"unavailable mixed with invalid: the unavailable one is still retried", map[string]error{"b.fn": scaler.ErrUnavailable},
			[]string{alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "b.fn", "2", ""), alertJSON("firing", "", "3", "")}, 503, "unavailable"},
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

// TestHandlerScalerDisabled: with the scaler off (scaler.enabled: false)
// the sink is scaler.Disabled. Every alert is answered "ignored" and the
// batch 200: before, the loop that never ran answered "functions not listed
// yet" (503) and AlertManager retried without end.
func TestHandlerScalerDisabled(t *testing.T) {
	h := newTestHandler(t, testConfig(scaler.Disabled{}, nil))
	w := post(h, payload(alertJSON("firing", "figlet.fn", "a1", `"load":"10"`), alertJSON("resolved", "resize.img", "a2", "")))
	if w.Code != 200 {
		t.Fatalf("code %d, want 200: %s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w)
	for _, r := range resp.Results {
		if r.Result != "ignored" || !strings.Contains(r.Error, "scaler.enabled: false") {
			t.Errorf("result %+v, want ignored with the reason", r)
		}
	}
	if got := testutil.ToFloat64(h.metrics.alerts.WithLabelValues("firing", "ignored")); got != 1 {
		t.Errorf("alerts{status=firing,result=ignored} = %v, want 1", got)
	}
}

// TestDuplicateOfAFailedAlertIsNotHandled: a batch that holds one
// alert twice (same fingerprint and status) whose only copy handed to the
// sink failed with an error other than "unavailable". Nothing was taken, so
// the documented answer is 500 ("500 when nothing was accepted and the sink
// failed otherwise", as for the same batch without the second copy). The
// second copy was counted "duplicate" (handled), which made the batch 200;
// now a copy of an alert that was not taken has its result. (Latent: the
// scaler's Notify fails only as unavailable or unknown today.)
//
// Seen failing before the fix (found by a review): two copies of the same
// failed alert: code 200, want 500 like one copy (nothing was accepted)
func TestDuplicateOfAFailedAlertIsNotHandled(t *testing.T) {
	sink := &recordingSink{errs: map[string]error{"a.fn": errors.New("queue closed")}}
	h := newTestHandler(t, testConfig(sink, nil))
	single := post(h, payload(alertJSON("firing", "a.fn", "1", "")))
	twice := post(h, payload(alertJSON("firing", "a.fn", "1", ""), alertJSON("firing", "a.fn", "1", "")))
	if single.Code != http.StatusInternalServerError {
		t.Fatalf("one copy: code %d, want 500: %s", single.Code, single.Body)
	}
	if twice.Code != single.Code {
		t.Errorf("two copies of the same failed alert: code %d, want %d like one copy (nothing was accepted): %s",
			twice.Code, single.Code, twice.Body)
	}
}
