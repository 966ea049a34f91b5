package controller

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestExplainBeforeTheFirstListingIsUnavailable: while the provider has not
// answered a listing (down at start), GET /api/v1/functions answered
// 200 {"functions": []} — "no functions", which an operator or a script
// reads as everything gone — and a function's route 404 "unknown function".
// Both are 503 with Retry-After and the reason, as the webhook answers then;
// once listed, 200.
func TestExplainBeforeTheFirstListingIsUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{}, fn{name: "web", replicas: 2})
		s.mem.FailLists(1_000_000, errors.New("provider down"))
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		s.run(ctx)
		time.Sleep(30 * time.Second)
		mux := Mux(s.ctl, http.NotFoundHandler(), s.reg, func() error { return nil })
		get := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			return rec
		}
		for _, p := range []string{"/api/v1/functions", "/api/v1/functions/" + ns + "/web"} {
			rec := get(p)
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
				!strings.Contains(rec.Body.String(), "not listed yet") || !strings.Contains(rec.Body.String(), "provider down") {
				t.Errorf("GET %s with the provider down since the start: %d %q %s; want 503 with Retry-After naming why", p, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
			}
		}
		s.mem.FailLists(0, nil)
		time.Sleep(30 * time.Second)
		for _, p := range []string{"/api/v1/functions", "/api/v1/functions/" + ns + "/web"} {
			if rec := get(p); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"web"`) {
				t.Errorf("GET %s once listed: %d %s", p, rec.Code, rec.Body)
			}
		}
	})
}
