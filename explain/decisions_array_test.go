package explain_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/explain"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestDecisionsIsAnArray: "decisions" is always a JSON array. A lister that
// has made no decisions (the controller's, with the scaler off, names the
// idler's functions and leaves Decisions nil) was served "decisions": null,
// and `jq '.decisions[]'`, or a typed client, broke on the function whose
// explanation matters most then: the one the idler scaled to zero.
func TestDecisionsIsAnArray(t *testing.T) {
	ref := provider.Ref{Name: "a", Namespace: "openfaas-fn"}
	fns := fakeLister{ref: {Ref: ref.String(), Name: ref.Name, Namespace: ref.Namespace}}
	status, _, body := get(t, explain.Handler(fns), http.MethodGet, "/api/v1/functions/openfaas-fn/a")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	if !strings.Contains(body, `"decisions": []`) {
		t.Errorf("body has no \"decisions\": []:\n%s", body)
	}
}
