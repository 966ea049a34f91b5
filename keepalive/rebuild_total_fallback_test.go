package keepalive

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildFromAGatewayWithoutStartedCounter: a gateway that
// predates gateway_function_invocation_started exports only
// gateway_function_invocation_total{code}. The metrics source reads such
// a gateway (startedQuery and startedTotalsQuery fall back to the
// invocation counter), so the feeder learns its functions live; but at
// every start the rebuild asked for the started counter alone
// (RebuildQuery) and learned nothing from 3 hours of a function called
// every 30 minutes: the keep-alive history was lost at each restart or
// failover, and the report said "0 functions" as if none was called. Found
// by a review helper.
func TestRebuildFromAGatewayWithoutStartedCounter(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	const lookback = 3 * time.Hour
	start := now.Add(-lookback - 10*time.Minute)
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_total unknown\n")
	count, calls := 0, 0
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		if ts.Sub(start)%(30*time.Minute) == 7*time.Minute {
			count++
			if !ts.Before(now.Add(-lookback)) {
				calls++
			}
		}
		fmt.Fprintf(&b, "gateway_function_invocation_total{function_name=\"timer.openfaas-fn\",code=\"200\"} %d %d\n", count, ts.Unix())
	}
	// The gateway's replica gauge, as every gateway exports it.
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		fmt.Fprintf(&b, "gateway_service_count{function_name=\"timer.openfaas-fn\"} 1 %d\n", ts.Unix())
	}
	pol, rep := rebuildBackfilled(t, b.String(), now, lookback)
	if rep.Functions != 1 || rep.Invocations < float64(calls-1) {
		t.Errorf("rebuild report %+v: want 1 function with about %d invocations (the gateway's invocation counter, which the metrics source reads for a gateway without the started counter)", rep, calls)
	}
	if _, last := pol.Plan(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}, 15*time.Minute, now); last.IsZero() {
		t.Errorf("timer's last invocation unknown after the rebuild, want within the last 30 minutes")
	}
}
