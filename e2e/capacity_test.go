package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/gatewaysim"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestCapacityOnACEGateway: the OpenFaaS CE gateway exports no in-flight
// gauge. A capacity-scaled function called in one-second bursts (300
// requests of 100 ms, every 5 s: 30 in flight during a burst) is scaled on
// its arrivals at the mean duration, read by the controller's Prometheus
// query from gateway_function_invocation_started and
// gateway_functions_seconds. Before the arrivals part, the capacity load of
// such a gateway was missing, and the function stayed at one replica.
func TestCapacityOnACEGateway(t *testing.T) {
	t.Parallel()
	ref := provider.Ref{Name: "cap-ce", Namespace: "openfaas-fn"}
	st := Start(t, Options{
		Binary:          controllerBin,
		NoInflightGauge: true,
		Functions: []provider.Function{NewFunction(ref,
			"com.openfaas.scale.type", "capacity", "com.openfaas.scale.target", "5", "com.openfaas.scale.max", "10")},
	})
	st.Gateway.SetWorkload(ref, gatewaysim.Workload{
		Load:     gatewaysim.Pattern{{For: time.Second, RPS: 300}, {For: 4 * time.Second, RPS: 0}},
		Duration: 100 * time.Millisecond,
	})
	// ceil(30 / (5 × 0.9)) = 7 at the burst's peak; at least 4 shows the
	// bursts were seen whatever the scrape's phase against them.
	const atLeast = 4
	Eventually(t, 90*time.Second, fmt.Sprintf("%s scaled to at least %d on its arrivals", ref, atLeast), func() (bool, string) {
		return st.Function(t, ref).Replicas >= atLeast, st.Describe(ref)
	})
	fams, err := st.Gateway.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "gateway_function_invocation_inflight" {
			t.Fatal("the gateway exports the in-flight gauge; this test is about one that does not")
		}
	}
	for _, d := range st.Explain(t, ref).Decisions {
		if d.Scale && d.Replicas > d.Current && d.Replicas > 10 {
			t.Errorf("scale-up %d→%d above max 10 (%s)", d.Current, d.Replicas, d.Reason)
		}
	}
}
