package explain_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
)

// TestNotFoundNamesThePathAsSent: a 404 quotes the path the client sent.
// It quoted the decoded path, so a name with an escaped slash
// (/api/v1/functions/openfaas-fn%2Fa, what a client that escapes a whole
// "namespace/name" sends) was answered "no such endpoint
// /api/v1/functions/openfaas-fn/a", a path that does exist. And the list
// asked for with a trailing slash, as `curl …/functions/` often is, was told
// only the one function's route: the answer names the list's.
func TestNotFoundNamesThePathAsSent(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"escaped slash", "/api/v1/functions/openfaas-fn%2Fa",
			"no such endpoint /api/v1/functions/openfaas-fn%2Fa: a function is /api/v1/functions/{namespace}/{name}"},
		{"list with a trailing slash", "/api/v1/functions/",
			"no such endpoint /api/v1/functions/: the list is /api/v1/functions, a function is /api/v1/functions/{namespace}/{name}"},
		// An empty namespace (a script's "$NS/$NAME" with NS unset) or a
		// doubled slash got the mux's 301 to the cleaned path, an HTML
		// body, and curl without -L printed "Moved Permanently".
		{"empty namespace", "/api/v1/functions//a",
			"no such endpoint /api/v1/functions//a: a function is /api/v1/functions/{namespace}/{name}"},
		{"doubled slash", "/api/v1//functions",
			"no such endpoint /api/v1//functions"},
		{"dot segment", "/api/v1/functions/openfaas-fn/../a",
			"no such endpoint /api/v1/functions/openfaas-fn/../a: a function is /api/v1/functions/{namespace}/{name}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := get(t, explain.Handler(lister()), http.MethodGet, tc.path)
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(body), &e); err != nil || status != http.StatusNotFound || e.Error != tc.want {
				t.Errorf("GET %s: %d %q (%v), want 404 with the JSON error %q", tc.path, status, body, err, tc.want)
			}
		})
	}
}

// TestEscapedNameIsFound: an escaped character in a name is the character.
func TestEscapedNameIsFound(t *testing.T) {
	status, _, body := get(t, explain.Handler(lister()), http.MethodGet, "/api/v1/functions/openfaas-%66n/%61")
	if status != http.StatusOK {
		t.Errorf("GET /api/v1/functions/openfaas-%%66n/%%61: %d %s, want the function a.openfaas-fn", status, body)
	}
}

// TestEscapedSlashInThePrefixIsAJSON404: controller.Mux hands the API every
// path whose decoded form is under /api/v1/, and the README promises a JSON
// 404 for any path there that names no route; a path whose prefix holds an
// escaped slash is not under /api/v1/ for the API's mux, which matches the
// escaped path. Seen failing before the fix: GET /api%2Fv1/functions and
// /api/v1%2Ffunctions answered net/http's text/plain "404 page not found".
func TestEscapedSlashInThePrefixIsAJSON404(t *testing.T) {
	for _, path := range []string{"/api%2Fv1/functions", "/api/v1%2Ffunctions"} {
		code, hdr, body := get(t, explain.Handler(lister()), http.MethodGet, path)
		var e struct{ Error string }
		if code != http.StatusNotFound || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") ||
			json.Unmarshal([]byte(body), &e) != nil || e.Error != "no such endpoint "+path {
			t.Errorf("GET %s: %d %s %q, want a JSON 404 naming the path as sent", path, code, hdr.Get("Content-Type"), body)
		}
	}
}
