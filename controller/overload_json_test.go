package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/faas-autoscaler/faas-autoscaler/alerts"
	"github.com/faas-autoscaler/faas-autoscaler/internal/httpserver"
)

// blockingGatherer holds a /metrics scrape in flight until released.
type blockingGatherer struct{ entered, release chan struct{} }

func (g blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.entered <- struct{}{}
	<-g.release
	return nil, nil
}

// README, HTTP endpoints: POST /system/alert — "Every answer is JSON with a
// result per alert: … or 503 with Retry-After"; the explain API answers
// JSON under /api/v1/ (errors as {"error": …}). Beyond server.max_in_flight
// both routes answer 503 with Retry-After, from httpserver.LimitInFlight,
// which answered http.Error's text/plain "overloaded: …": a relay or curl|jq
// reading the webhook's result, or a typed client of the API, could not
// parse it. Now {"result": "unavailable", "error": …}. Found by a review
// helper.
func TestOverloadAnswersAreJSON(t *testing.T) {
	s := newStack(t, testConfig(), Wiring{})
	wh, err := alerts.NewHandler(alerts.Config{Sink: s.ctl.Loop, DefaultNamespace: ns, Auth: alerts.AuthNone})
	if err != nil {
		t.Fatal(err)
	}
	g := blockingGatherer{entered: make(chan struct{}), release: make(chan struct{})}
	o := httpserver.Default()
	o.MaxInFlight = 1
	// As run.go composes them.
	h := httpserver.New(Mux(s.ctl, wh, g, func() error { return nil }), o, nil).Handler
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/metrics", nil))
	}()
	<-g.entered
	defer func() { close(g.release); <-done }()

	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodPost, "/system/alert", strings.NewReader(alertBody(map[string]float64{"a": 1}))),
		httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("control: %s %s at the in-flight cap: %d, want 503 with Retry-After", req.Method, req.URL.Path, rec.Code)
		}
		var body map[string]any
		ct := rec.Header().Get("Content-Type")
		if !strings.HasPrefix(ct, "application/json") || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			t.Errorf("%s %s at the in-flight cap: 503 %s %q, want a JSON body as every other answer of the route", req.Method, req.URL.Path, ct, rec.Body)
		}
	}
}
