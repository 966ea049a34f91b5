package gatewaysim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLoadRouteUnknownFunction: PUT /sim/load/{name} is how an
// operator drives the standalone simulated gateway (e2e/up.sh prints the
// curl). Its functions are fixed at start (`gateway --function …`), so a
// load for a function that does not exist can never take effect; the
// route still answers 204 No Content and the load silently goes nowhere.
// The async route next to it answers 404 for an unknown function. The
// same happens for the name as the operator sees it in every metric,
// function_name "figlet.openfaas-fn": 204, and figlet gets no load.
// Found by a review helper.
func TestLoadRouteUnknownFunction(t *testing.T) {
	g, _ := newGateway(t, 1, nil, Config{})
	h := g.Handler(APIOptions{})
	put := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, path, strings.NewReader(`{"rps": 50}`)))
		return w
	}

	if w := put("/sim/load/figlte?namespace=openfaas-fn"); w.Code/100 == 2 {
		t.Errorf("PUT /sim/load for a function that does not exist (typo figlte): status %d; want 404, not a success that changes nothing", w.Code)
	}

	w := put("/sim/load/figlet.openfaas-fn")
	if applied := g.Rate(ref, time.Now()) == 50; w.Code/100 == 2 && !applied {
		t.Errorf("PUT /sim/load/figlet.openfaas-fn (the gateway's function_name form): status %d but figlet's rate is %v; "+
			"want it applied (as /async-function/{name} parses name.namespace) or refused with 404", w.Code, g.Rate(ref, time.Now()))
	}
}
