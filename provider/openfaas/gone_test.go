package openfaas

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestScaleOfDeletedFunctionIsNotFound: faas-netes answers a scale whose
// Deployment was deleted (between the listing, or the actuator's read, and
// the write) with 500 "Unable to lookup function deployment <name>", not
// 404. It was a generic error, which backs the function off as a failing
// call; it is provider.ErrNotFound now, so the actuator reports the
// function gone and the scaler forgets it. The body is the same for any
// failure of faas-netes' Get (the API server slow, RBAC), so the client
// asks GET /system/function/<name> before saying so: only a 404 there makes
// the 500 a not-found; the scale itself is never sent again.
//
// Seen failing before the fix (TestScaleByPersonality's case, and this
// one): "requests = 1, want 2"; "errors.Is(err, ErrNotFound) = false, want
// true" for "openfaas scale figlet.openfaas-fn: HTTP 500 Internal Server
// Error: Unable to lookup function deployment figlet".
func TestScaleOfDeletedFunctionIsNotFound(t *testing.T) {
	ref := provider.Ref{Name: "figlet", Namespace: "openfaas-fn"}
	lookupFailed := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(faasNetesLookupFailed + name))
		}
	}
	for _, tc := range []struct {
		name string
		// scale answers the scale; nil: the fake faas-netes, with the
		// function deleted after it was listed.
		scale        http.HandlerFunc
		read         int // status of the confirming read (0: the fake's own)
		wantNotFound bool
		wantRequests int // scale, and the confirming read if any
	}{
		{name: "deleted: the read confirms with a 404", wantNotFound: true, wantRequests: 2},
		{name: "lookup failed but the function is there (API server hiccup)", scale: lookupFailed("figlet"), wantRequests: 2},
		// One read, not retried: an answer that is not a 404 leaves the
		// scale's error as it was.
		{name: "lookup failed and the read fails too", scale: lookupFailed("figlet"), read: http.StatusServiceUnavailable, wantRequests: 2},
		{name: "another 500 body", scale: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "unable to update function deployment: figlet", http.StatusInternalServerError)
		}, wantRequests: 1},
		{name: "lookup of another name", scale: lookupFailed("other"), wantRequests: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(faasNetes)
			g.deploy(fig("openfaas-fn", 1))
			cl := newTestClient(t, g.start(t, "").URL, nil)
			if _, err := cl.Functions(t.Context(), "openfaas-fn"); err != nil {
				t.Fatal(err)
			}
			if tc.scale == nil {
				g.mu.Lock()
				delete(g.fns, ref) // deleted after the listing
				g.mu.Unlock()
			} else {
				g.hook = func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.Method == http.MethodPost:
						tc.scale(w, r)
					case tc.read != 0:
						http.Error(w, "injected", tc.read)
					default: // the Deployment is there
						writeJSON(w, http.StatusOK, fig("openfaas-fn", 1))
					}
				}
			}
			before := g.requestCount()
			err := cl.Scale(t.Context(), ref, 2)
			var se *StatusError
			if !errors.As(err, &se) || se.Status != http.StatusInternalServerError || se.Op != OpScale {
				t.Fatalf("Scale = %v, want the scale's *StatusError 500", err)
			}
			if got := errors.Is(err, provider.ErrNotFound); got != tc.wantNotFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v for %q", got, tc.wantNotFound, err)
			}
			if tc.wantNotFound && provider.Result(err) != provider.ResultNotFound {
				t.Errorf("Result(%v) = %q, want %q", err, provider.Result(err), provider.ResultNotFound)
			}
			if !strings.Contains(err.Error(), "figlet.openfaas-fn") {
				t.Errorf("error %q does not name the function", err)
			}
			if got := g.requestCount() - before; got != tc.wantRequests {
				t.Errorf("requests = %d, want %d", got, tc.wantRequests)
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			posts := 0
			for _, r := range g.requests {
				if strings.HasPrefix(r, "POST ") {
					posts++
				}
			}
			if posts != 1 {
				t.Errorf("%d scale requests sent, want 1 (a scale is sent once)", posts)
			}
		})
	}
}
