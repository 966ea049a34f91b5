package gatewaysim

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestServiceCountForEveryFunction: gateway_service_count is
// FunctionStatus.replicas of every function the provider lists, polled every
// 5s and reset on each poll (reference/openfaas.md:18). A deployed function
// that receives no synchronous traffic (every function of --functions-file
// in the embedded default until it gets a workload) still has the series;
// a function that is removed loses it rather than keeping its last value.
func TestServiceCountForEveryFunction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g, mem := coldGateway(t, 2, 0, Config{})
		idle := provider.Ref{Name: "idle", Namespace: "openfaas-fn"}
		if err := mem.Deploy(provider.Function{Ref: idle, Replicas: 3}); err != nil {
			t.Fatal(err)
		}
		g.SetWorkload(ref, Workload{Load: Constant(1), Duration: 10 * time.Millisecond})
		run(t, g, time.Second)
		if n := testutil.CollectAndCount(g.metrics.serviceCount, "gateway_service_count"); n != 2 {
			t.Errorf("gateway_service_count series = %d, want 2 (figlet and idle: every deployed function)", n)
		}
		if err := mem.Remove(ref); err != nil {
			t.Fatal(err)
		}
		run(t, g, 6*time.Second) // more than one 5s poll
		if err := testutil.CollectAndCompare(g.metrics.serviceCount, strings.NewReader(`
# HELP gateway_service_count Current count of replicas for function
# TYPE gateway_service_count gauge
gateway_service_count{function_name="idle.openfaas-fn"} 3
`), "gateway_service_count"); err != nil {
			t.Errorf("after figlet was removed (the gauge is reset on each poll; only idle, at 3 desired, remains): %v", err)
		}
	})
}
