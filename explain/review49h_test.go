package explain_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
)

// TestReview49hOneFunctionRefusesQueryParameters: the list refuses any
// parameter it does not take with a 400 naming it, because an ignored
// ?namespace=dev "answered every namespace's functions with 200, read as a
// filter that worked" (namespaceParam). The route of one function takes no
// parameter and ignores them all: GET /api/v1/functions/openfaas-fn/a
// ?namespace=dev answers 200 with a.openfaas-fn, the namespace asked for
// silently overridden, and a typo'd or unsupported option (?history=5,
// ?pretty) reads as honoured. Expected: 400 naming the parameter, as the
// list does.
//
// Seen failing before the fix: GET /api/v1/functions/openfaas-fn/a?namespace=dev:
// 200, want 400 naming the parameter.
func TestReview49hOneFunctionRefusesQueryParameters(t *testing.T) {
	for _, q := range []string{"?namespace=dev", "?history=5", "?namespace=openfaas-fn&namespace=dev"} {
		path := "/api/v1/functions/openfaas-fn/a" + q
		code, _, body := get(t, explain.Handler(lister()), http.MethodGet, path)
		var e struct{ Error string }
		if code != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			if len(body) > 120 {
				body = body[:120] + "…"
			}
			t.Errorf("GET %s: %d %q, want 400 naming the parameter (the route takes none)", path, code, body)
		}
	}
}
