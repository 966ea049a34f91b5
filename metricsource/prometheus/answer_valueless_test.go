package prometheus

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestSampleWithoutValueIsNotZero: a vector's series that carries no
// "value" (a native-histogram sample has "histogram" instead, which the
// decoder skips on purpose) was handed to the readers with its zero-valued
// point, so the function read a load of 0 instead of being missing: a
// scale-down to min on no data. Found by a review (helper-119).
func TestSampleWithoutValueIsNotZero(t *testing.T) {
	src, _ := fakeProm(t, func(string) (int, string) {
		return 200, vector(
			`{"metric":{"function_name":"figlet.openfaas-fn"},"histogram":[1700000000,{"count":"12","sum":"30.5","buckets":[[0,"2","4","12"]]}]}`,
			`{"metric":{"function_name":"env.openfaas-fn"}}`,
		)
	})
	got, err := src.Load(context.Background(), metricsource.LoadQuery{Type: "latency", Window: 30 * time.Second})
	if err != nil {
		return // refusing the answer is fine too: missing, not zero
	}
	for _, ref := range []provider.Ref{{Name: "figlet", Namespace: "openfaas-fn"}, {Name: "env", Namespace: "openfaas-fn"}} {
		if v, ok := got[ref]; ok {
			t.Errorf("%s: a series with no value reads load %v, want missing (absent)", ref, v)
		}
	}
}
