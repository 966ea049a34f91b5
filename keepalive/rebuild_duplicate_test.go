package keepalive

import (
	"context"
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
	type change struct {
		at time.Duration // from now: the first sample at or after now+at shows v
		v  int
	}
	changes := []change{
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
		for ts := now.Add(-lookback - 10*time.Minute + job.phase); !ts.After(now); ts = ts.Add(15 * time.Second) {
			v := -1
			for _, c := range changes {
				if !ts.Before(now.Add(c.at)) {
					v = c.v
				}
			}
			if v >= 0 {
				fmt.Fprintf(&b, "gateway_function_invocation_started{function_name=\"dup.openfaas-fn\",instance=\"10.0.0.5:8080\",job=%q} %d %d\n", job.name, v, ts.Unix())
			}
		}
	}
	p := backfilled(t, b.String())

	pol, _ := New(Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if rep.Functions != 1 || rep.Invocations != 5 {
		t.Errorf("report %+v, want 1 function, 5 invocations (each call once, not once a job)", rep)
	}
	// Each call in the minute step it shows in (the one ending at the next
	// whole minute), once.
	ref := provider.Ref{Name: "dup", Namespace: "openfaas-fn"}
	want, _ := New(Config{})
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
