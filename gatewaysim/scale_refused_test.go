package gatewaysim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/provider/memory"
)

// TestScaleRefusedKeepsTheProvidersStatus: a provider refusing a count it
// understood (a *provider.RefusedError, here a memory provider refusing zero
// as OpenFaaS CE does) is answered with the provider's status and words, as
// the OpenFaaS gateway passes faas-netes' answer through. A 500 would read
// as a transient failure to the controller's OpenFaaS client, which retries
// it, instead of a refusal it holds off.
func TestScaleRefusedKeepsTheProvidersStatus(t *testing.T) {
	mem := memory.New(clock.Real(), memory.Options{RefuseZero: true})
	if err := mem.Deploy(provider.Function{Ref: ref, Replicas: 2}); err != nil {
		t.Fatal(err)
	}
	g, err := New(Config{Provider: mem})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Handler(APIOptions{}) // the gateway itself does not refuse zero
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/system/scale-function/figlet?namespace=openfaas-fn",
		strings.NewReader(`{"serviceName":"figlet","replicas":0}`)))
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), memory.ZeroRefusedMessage) {
		t.Errorf("scale to 0 refused by the provider: %d %q, want 400 with %q", w.Code, w.Body.String(), memory.ZeroRefusedMessage)
	}
}
