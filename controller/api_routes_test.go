package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAPIAnswersJSONUnderItsPrefix: explain.Handler promises a JSON 404 for
// any path under /api/v1/, but the mux gave it only /api/v1/functions and
// below, so /api/v1/ and /api/v1/x got net/http's plain-text "404 page not
// found"; and a follower's 503 was plain text too. A client of the API
// (jq, a typed client) reads JSON from every answer of it.
//
// Seen failing before: "GET /api/v1/x: 404 text/plain; charset=utf-8 \"404
// page not found\n\", want a JSON error" and "a follower's 503 is
// text/plain; charset=utf-8"; the unclean paths (session 28): "GET
// /api/v1/functions//a: 307 text/html; charset=utf-8 \"<a
// href=\\\"/api/v1/functions/a\\\">Temporary Redirect</a>…".
func TestAPIAnswersJSONUnderItsPrefix(t *testing.T) {
	s := newStack(t, testConfig(), Wiring{})
	mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })
	for _, path := range []string{"/api/v1/", "/api/v1/x", "/api/v1/functionsx", "/api/v1/functions/a/b/c",
		// Unclean paths: the mux answered a 301 to the cleaned path (HTML),
		// which sent /api/v1/functions//a on to the route of a function
		// named "a" with no namespace.
		"/api/v1/functions//a", "/api/v1//functions", "/api/v1/functions/openfaas-fn/../a"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var body struct {
			Error string `json:"error"`
		}
		ct := rec.Header().Get("Content-Type")
		if rec.Code != http.StatusNotFound || !strings.HasPrefix(ct, "application/json") ||
			json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
			t.Errorf("GET %s: %d %s %q, want a JSON error", path, rec.Code, ct, rec.Body)
		}
	}

	follower := followerRefuses(func() bool { return false }, http.NotFoundHandler())
	rec := httptest.NewRecorder()
	follower.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/functions", nil))
	var body struct {
		Error string `json:"error"`
	}
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusServiceUnavailable || !strings.HasPrefix(ct, "application/json") ||
		json.Unmarshal(rec.Body.Bytes(), &body) != nil || !strings.Contains(body.Error, "not the leader") || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("a follower's 503 is %d %s %q, want JSON naming the leader, with Retry-After", rec.Code, ct, rec.Body)
	}
}
