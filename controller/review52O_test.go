package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
)

// TestReview52OFollowerAnswersWrongMethodsAndPathsAsTheLeaderDoes: the
// README (HTTP endpoints): "The explain API answers GET and HEAD (405 with
// Allow otherwise), and JSON 404 for any other path under /api/v1/"; the
// follower's 503 with Retry-After is for the two routes, whose answers
// "would be its last term's". followerRefuses (http.go) answers every
// request under /api/v1/ before the API sees it, so on a follower a POST
// or DELETE, or a path that names no route, is answered 503 "this replica
// is not the leader" with Retry-After: 1. No replica will ever serve
// those; the answer tells the client to ask again in a second, for ever (a
// typed client or a script that retries on 503 + Retry-After loops where
// the leader says 405 or 404 at once), and it names leadership as the
// problem where the method or path is. Nothing of a former term would be
// disclosed by the 405 or 404.
//
// Expected: the same answer as the leader gives, 405 with Allow and 404,
// neither with Retry-After.
func TestReview52OFollowerAnswersWrongMethodsAndPathsAsTheLeaderDoes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{})
		ctl, err := New(testConfig(), Wiring{}, Deps{Provider: s.mem, Source: s.src, Leading: func() bool { return false }})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), s.reg, func() error { return nil })
		for _, tc := range []struct {
			method, path string
			want         int
		}{
			{http.MethodPost, "/api/v1/functions", http.StatusMethodNotAllowed},
			{http.MethodDelete, "/api/v1/functions/" + ns + "/a", http.StatusMethodNotAllowed},
			{http.MethodGet, "/api/v1/x", http.StatusNotFound},
			{http.MethodGet, "/api/v1/functions/a/b/c", http.StatusNotFound},
			{http.MethodGet, "/api/v1/functions//a", http.StatusNotFound}, // unclean: the mux would redirect
		} {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader("")))
			var body struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != tc.want || rec.Header().Get("Retry-After") != "" {
				t.Errorf("follower, %s %s: %d (Retry-After %q) %q; want %d without Retry-After, as the leader answers (no replica serves it)",
					tc.method, tc.path, rec.Code, rec.Header().Get("Retry-After"), body.Error, tc.want)
			}
		}
	})
}
