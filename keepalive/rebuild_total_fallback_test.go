package keepalive

import (
	"context"
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

// TestRebuildReadsBareStartedAndQualifiedTotalOnce: a gateway without
// function_namespace counts one function's calls under two names, and a
// replica with the started counter counted "h"'s under the bare name there
// while its invocation counter has them under the qualified one (the
// activity query's case, metricsource/prometheus
// TestStartedFallbackPerGateway). The rebuild must fall back to the
// invocation counter per qualified name, as the activity query does: gw-a
// has the started counter for h, so its invocation counter is not read for
// h under either name; gw-b, an older replica without it, still counts its
// calls by its invocation counter. Read whole and in shards (the
// functions' series selected by name).
func TestRebuildReadsBareStartedAndQualifiedTotalOnce(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	const lookback = 2 * time.Hour
	start := now.Add(-lookback - 10*time.Minute)
	var started, total strings.Builder
	started.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	total.WriteString("# TYPE gateway_function_invocation_total unknown\n")
	a, b, calls := 0, 0, 0
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		in := !ts.Before(now.Add(-lookback))
		switch ts.Sub(start) % (20 * time.Minute) {
		case 3 * time.Minute: // through gw-a, the newer replica
			a++
			calls += btoi(in)
		case 13 * time.Minute: // through gw-b, the older one
			b++
			calls += btoi(in)
		}
		fmt.Fprintf(&started, "gateway_function_invocation_started{function_name=\"h\",instance=\"gw-a\"} %d %d\n", a, ts.Unix())
		fmt.Fprintf(&total, "gateway_function_invocation_total{function_name=\"h.openfaas-fn\",instance=\"gw-a\",code=\"200\"} %d %d\n", a, ts.Unix())
		fmt.Fprintf(&total, "gateway_function_invocation_total{function_name=\"h\",instance=\"gw-b\",code=\"200\"} %d %d\n", b, ts.Unix())
	}
	p := backfilled(t, started.String()+total.String())
	for _, shardSeries := range []int{1 << 30, 1} {
		func() {
			defer func(n int) { rebuildShardSeries = n }(rebuildShardSeries)
			rebuildShardSeries = shardSeries
			pol, _ := New(Config{PreWarmShare: 0.25})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
			if err != nil {
				t.Fatalf("%v\n%s", err, p.Logs())
			}
			if rep.Functions != 1 || rep.Invocations != float64(calls) {
				t.Errorf("shards of %d series: %d functions, %g invocations learned, want 1 function and %d (gw-a's started counter, gw-b's invocation counter; gw-a's invocation counter under the qualified name counts gw-a's calls again)",
					shardSeries, rep.Functions, rep.Invocations, calls)
			}
		}()
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
