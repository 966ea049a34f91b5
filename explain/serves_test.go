package explain_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
)

// notListedYet is a lister with no listing: Handler answers 503 to every
// request one of its routes serves, and 404 or 405 to any other.
type notListedYet struct{ explain.Lister }

func (notListedYet) NotListed() error { return errors.New("not listed yet") }

// TestServesAgreesWithTheHandler: Serves is the one statement of which
// requests the API's routes serve (controller.followerRefuses refuses
// those on a follower, and kept a second mux of the routes and its own
// clean-path rule to know them). It must say yes exactly where Handler
// answers from a route (503 here) rather than its 404, 405 or 400: cleaned
// and uncleaned paths, trailing slashes, escaped ones, queries a route
// refuses or takes, and every method.
func TestServesAgreesWithTheHandler(t *testing.T) {
	h := explain.Handler(notListedYet{lister()})
	paths := []string{
		"/api/v1/functions", "/api/v1/functions/", "/api/v1/functions/openfaas-fn/a", "/api/v1/functions/openfaas-fn/a/",
		"/api/v1/functions//a", "/api/v1//functions", "/api/v1/functions/openfaas-fn/../a", "/api/v1/functions/./openfaas-fn/a",
		"/api/v1/functions/openfaas-fn", "/api/v1/functions/a/b/c", "/api/v1/functions/openfaas-fn%2Fa", "/api/v1/functions/ns%2Fx/a",
		"/api%2Fv1/functions", "/api/v1%2Ffunctions", "/api/v1/", "/api/v1/x", "/api/v1/functionsx", "/api/v1/functions/openfaas-%66n/%61",
		// Queries: a follower answered the refused ones 503 + Retry-After.
		"/api/v1/functions?namespace=dev", "/api/v1/functions?bogus=1", "/api/v1/functions?namespace=",
		"/api/v1/functions?namespace=a&namespace=b", "/api/v1/functions?namespace=%zz", "/api/v1/functions?",
		"/api/v1/functions/openfaas-fn/a?namespace=dev", "/api/v1/functions/openfaas-fn/a?",
	}
	methods := []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch}
	for _, p := range paths {
		for _, m := range methods {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(m, p, nil))
			// The lister has no listing: every request a route serves is
			// its 503, every other the handler's 404, 405 or 400.
			routed := rec.Code == http.StatusServiceUnavailable
			if got := explain.Serves(httptest.NewRequest(m, p, nil)); got != routed {
				t.Errorf("%s %s: Serves %v, but the handler answers %d %q", m, p, got, rec.Code, rec.Body)
			}
		}
	}
}
