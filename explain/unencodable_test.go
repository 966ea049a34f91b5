package explain_test

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// A value JSON cannot carry (a NaN or an infinity from a division in some
// component's section) made the answer a 200 with an empty or cut body: the
// status went out before the encoding failed. An operator's script read
// that as a function with no explanation. It is a 500 naming the cause.
func TestUnencodableExplanationIsAnError(t *testing.T) {
	bad := section{name: "broken", data: map[provider.Ref]any{refA: map[string]float64{"ratio": math.Inf(1)}}}
	h := explain.Handler(lister(), bad)
	for _, path := range []string{"/api/v1/functions/openfaas-fn/a"} {
		status, _, body := get(t, h, http.MethodGet, path)
		var e struct{ Error string }
		if status != http.StatusInternalServerError || json.Unmarshal([]byte(body), &e) != nil ||
			!strings.Contains(e.Error, "unsupported value") {
			t.Errorf("GET %s: %d %q, want 500 with a JSON error naming the unsupported value", path, status, body)
		}
	}
}
