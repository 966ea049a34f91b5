package memory

import (
	"testing"

	"github.com/faas-autoscaler/faas-autoscaler/clock"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// ShareMaps hands out the stored maps, but what is stored is still the
// provider's own copy: a deployer changing its map changes nothing.
func TestShareMapsStoresCopies(t *testing.T) {
	p := New(clock.Real(), Options{ShareMaps: true})
	labels := map[string]string{"k": "v"}
	ref := provider.Ref{Name: "alpha", Namespace: "openfaas-fn"}
	if err := p.Deploy(provider.Function{Ref: ref, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	labels["k"] = "changed by the deployer"
	a, _ := p.Function(t.Context(), ref)
	fns, _ := p.Functions(t.Context(), "openfaas-fn")
	if a.Labels["k"] != "v" || len(fns) != 1 || fns[0].Labels["k"] != "v" {
		t.Fatalf("deployer's change leaked in: %v, %v", a.Labels, fns)
	}
	if err := p.Remove(ref); err != nil {
		t.Fatal(err)
	}
	if fns, _ := p.Functions(t.Context(), "openfaas-fn"); len(fns) != 0 {
		t.Errorf("listed after removal: %v", fns)
	}
}
