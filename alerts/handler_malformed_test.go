package alerts

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestHandlerMalformedAlertSparesItsBatch: one alert whose JSON does not
// have the alert's shape (a label value that is a number, a startsAt that is
// not a time: Grafana alerting and hand-written senders do this) spoiled its
// whole batch. The body was refused with 400, which AlertManager does not
// retry, and the valid alerts beside it lost their scaling action. Each
// malformed alert is now that alert's error, named by index and field; the
// others are handed on.
func TestHandlerMalformedAlertSparesItsBatch(t *testing.T) {
	good := func(status, fn, fp string) string { return alertJSON(status, fn, fp, `"load":"10"`) }
	body := payload(
		good("firing", "figlet.fn", "a1"), // 0 accepted
		`{"status":"firing","labels":{"alertname":"FunctionLoadHigh","function_name":"resize.img","replicas":3},"fingerprint":"a2"}`,          // 1
		`{"status":"firing","labels":{"alertname":"FunctionLoadHigh","function_name":"thumb.img"},"startsAt":"yesterday","fingerprint":"a3"}`, // 2
		`{"status":"firing","labels":{"function_name":"x.fn"},"annotations":{"load":12.5},"fingerprint":"a4"}`,                                // 3
		`42`, // 4: not an object at all
		`{"status":["firing"],"labels":{"function_name":"y.fn"}}`, // 5
		good("resolved", "env.staging", "a5"),                     // 6 accepted
	)
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	w := post(h, body)
	if w.Code != http.StatusOK {
		t.Fatalf("code %d, want 200 (the valid alerts were handed on): %s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w)
	type row struct {
		Index                   int
		Result, Function, Error string
	}
	var got []row
	for _, r := range resp.Results {
		got = append(got, row{r.Index, r.Result, r.Function, r.Error})
	}
	want := []row{
		{0, "accepted", "figlet.fn", ""},
		{1, "invalid", "resize.img", `malformed alert: label "replicas": want a string, got number`},
		{2, "invalid", "thumb.img", `malformed alert: field startsAt: want an RFC 3339 time, got "yesterday"`},
		{3, "invalid", "x.fn", `malformed alert: annotation "load": want a string, got number`},
		{4, "invalid", "", "malformed alert: want an object, got number"},
		{5, "invalid", "y.fn", "malformed alert: field status: want a string, got array"},
		{6, "accepted", "env.staging", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if resp.Result != "accepted" || resp.Alerts != 7 || resp.Accepted != 2 || resp.Failed != 5 {
		t.Errorf("counts %+v", resp)
	}
	var refs []provider.Ref
	for _, s := range sink.got() {
		refs = append(refs, s.Ref)
	}
	wantRefs := []provider.Ref{{Name: "figlet", Namespace: "fn"}, {Name: "env", Namespace: "staging"}}
	if d := cmp.Diff(wantRefs, refs); d != "" {
		t.Errorf("signals handed on (-want +got):\n%s", d)
	}
	if got := testutil.ToFloat64(h.metrics.alerts.WithLabelValues("firing", "invalid")); got != 3 {
		t.Errorf("alerts{status=firing,result=invalid} = %v, want 3 (the status of a malformed alert is kept when it decoded)", got)
	}
}

// A batch of malformed alerts only is refused as a batch of invalid ones is:
// 400, each alert named.
func TestHandlerOnlyMalformedAlerts(t *testing.T) {
	sink := &recordingSink{}
	h := newTestHandler(t, testConfig(sink, nil))
	w := post(h, payload(`{"status":"firing","labels":{"function_name":7}}`))
	if w.Code != http.StatusBadRequest {
		t.Fatalf("code %d, want 400: %s", w.Code, w.Body)
	}
	resp := decodeResponse(t, w)
	if resp.Error != "no usable alert in the batch" || len(resp.Results) != 1 ||
		!strings.Contains(resp.Results[0].Error, `label "function_name": want a string, got number`) {
		t.Errorf("response %+v", resp)
	}
}

// The batch itself must still have the webhook's shape: a broken envelope,
// or JSON that does not parse, is the whole body's error.
func TestHandlerMalformedEnvelope(t *testing.T) {
	for _, body := range []string{
		`{"version":"4","alerts":[{"status":"firing","labels":{"function_name":3}}`, // truncated
		`{"version":4,"alerts":[{"status":"firing","labels":{"function_name":3}}]}`,
		`{"version":"4","truncatedAlerts":"many","alerts":[]}`,
	} {
		w := post(newTestHandler(t, testConfig(&recordingSink{}, nil)), []byte(body))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "bad webhook payload") {
			t.Errorf("%s: code %d, body %s; want 400 for the batch", body, w.Code, w.Body)
		}
	}
}
