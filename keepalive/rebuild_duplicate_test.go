package keepalive

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildCountsAGatewayScrapedTwiceOnce backfills into a real
// Prometheus one gateway instance's counter stored twice, differing only
// in job (the OpenFaaS chart's pod-annotation job at 7 s past each 15 s
// and a ServiceMonitor at 12 s past), and checks that Rebuild learns each
// call once, in the step it shows in: a baseline before the lookback, one
// call, two, a gateway restart (its first call after it counts 1), one
// more. Summed over both copies, every call was learned twice (10 for 5).
// Skipped when prometheus or promtool is missing (a failure under
// CI=true).
func TestRebuildCountsAGatewayScrapedTwiceOnce(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 3 * time.Hour
	changes := []counterChange{
		{-lookback - 10*time.Minute, 40},
		{-2*time.Hour + 20*time.Second, 41},
		{-90*time.Minute + 30*time.Second, 43},
		{-time.Hour + 20*time.Second, 1}, // restarted: counts from its first call
		{-30*time.Minute + 25*time.Second, 2},
	}
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	for _, job := range []struct {
		name  string
		phase time.Duration
	}{{"openfaas-pods", 7 * time.Second}, {"gateway-servicemonitor", 12 * time.Second}} {
		labels := fmt.Sprintf(`function_name="dup.openfaas-fn",instance="10.0.0.5:8080",job=%q`, job.name)
		writeStarted(&b, labels, changes, now, lookback, job.phase)
	}
	pol, rep := rebuildBackfilled(t, b.String(), now, lookback)
	if rep.Functions != 1 || rep.Invocations != 5 {
		t.Errorf("report %+v, want 1 function, 5 invocations (each call once, not once a job)", rep)
	}
	// Each call in the minute step it shows in (the one ending at the next
	// whole minute), once.
	ref := provider.Ref{Name: "dup", Namespace: "openfaas-fn"}
	want, _ := New(Config{PreWarmShare: 0.25})
	for _, s := range []struct {
		end time.Duration
		n   int
	}{{-2*time.Hour + time.Minute, 1}, {-90*time.Minute + time.Minute, 2}, {-time.Hour + time.Minute, 1}, {-29 * time.Minute, 1}} {
		want.ObserveCount(ref, now.Add(s.end), time.Minute, s.n)
	}
	if got, w := learned(pol, ref), learned(want, ref); got != w {
		t.Errorf("learned %s, want %s", got, w)
	}
}
