package controller

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
)

// TestReview53EFollowerAnswersABadQueryAsTheLeaderDoes: a request one of
// the API's routes rejects from its own text (an unknown query parameter,
// a namespace given empty or twice, a query on a function's route) is
// answered 400 by the leader, and by every replica in every term: nothing
// of a former term is disclosed. followerRefuses (explain.Serves: any GET
// or HEAD of a route's path) answers it 503 "not the leader" with
// Retry-After: 1, the answer review52O removed for wrong methods and
// paths: a client retrying on 503 + Retry-After loops on a request no
// replica serves, and is told leadership is the problem where its query is.
func TestReview53EFollowerAnswersABadQueryAsTheLeaderDoes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newStack(t, testConfig(), Wiring{})
		ctl, err := New(testConfig(), Wiring{}, Deps{Provider: s.mem, Source: s.src, Leading: func() bool { return false }})
		if err != nil {
			t.Fatal(err)
		}
		mux := Mux(ctl, http.NotFoundHandler(), s.reg, func() error { return nil })
		for _, path := range []string{
			"/api/v1/functions?bogus=1",
			"/api/v1/functions?namespace=",
			"/api/v1/functions?namespace=a&namespace=b",
			"/api/v1/functions/" + ns + "/a?namespace=dev",
		} {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			var body struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Retry-After") != "" {
				t.Errorf("follower, GET %s: %d (Retry-After %q) %q; want 400 without Retry-After, as every replica answers it",
					path, rec.Code, rec.Header().Get("Retry-After"), body.Error)
			}
		}
	})
}
