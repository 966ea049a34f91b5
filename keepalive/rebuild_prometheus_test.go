package keepalive

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildFromRealPrometheus backfills 12 hours of a gateway counter (a
// 30-minute timer, sampled every 15 s) into a real Prometheus with
// `promtool tsdb create-blocks-from openmetrics`, restarts it, and checks
// that Rebuild's range query teaches the same periodic plan, and its replica
// history the count a pre-warm starts. Skipped when
// prometheus or promtool is missing (a failure under CI=true).
func TestRebuildFromRealPrometheus(t *testing.T) {
	promtool := teststack.NeedBinary(t, "promtool")
	p := teststack.Prometheus(t, teststack.PromOptions{})
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Minute)
	start := now.Add(-12 * time.Hour)
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	count := 0
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		if ts.Sub(start)%(30*time.Minute) == 7*time.Minute {
			count++
		}
		fmt.Fprintf(&b, "gateway_function_invocation_started{function_name=\"timer.openfaas-fn\"} %d %d\n", count, ts.Unix())
	}
	// Its replicas: 2 while it ran the last hour but 20 minutes, then idled.
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		n := 0
		if age := now.Sub(ts); age <= time.Hour && age > 20*time.Minute {
			n = 2
		}
		fmt.Fprintf(&b, "gateway_service_count{function_name=\"timer.openfaas-fn\"} %d %d\n", n, ts.Unix())
	}
	// Another, at 3 until 40 minutes ago and at 0 from 30 minutes ago, with
	// no sample between: what it fell from is not known (no sample is not
	// zero), so its pre-warm starts one replica.
	for ts := start; !ts.After(now); ts = ts.Add(15 * time.Second) {
		switch age := now.Sub(ts); {
		case age >= 40*time.Minute:
			fmt.Fprintf(&b, "gateway_service_count{function_name=\"gap.openfaas-fn\"} 3 %d\n", ts.Unix())
		case age <= 30*time.Minute:
			fmt.Fprintf(&b, "gateway_service_count{function_name=\"gap.openfaas-fn\"} 0 %d\n", ts.Unix())
		}
	}
	b.WriteString("# EOF\n")
	in := filepath.Join(t.TempDir(), "history.om")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(p.DataDir(), "data")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("restart: %v\n%s", err, p.Logs())
	}

	pol, _ := New(Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := pol.Rebuild(ctx, p.API(), now, 12*time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if rep.Functions != 1 || rep.Invocations != float64(count) || rep.Zeroed != 1 || rep.ZeroedErr != nil {
		t.Errorf("report %+v, want 1 function, %d invocations, 1 zeroed", rep, count)
	}
	if n := pol.preWarmReplicas(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}); n != 2 {
		t.Errorf("a pre-warm starts %d replicas, want the 2 it was idled from", n)
	}
	if n := pol.preWarmReplicas(provider.Ref{Name: "gap", Namespace: "openfaas-fn"}); n != 1 {
		t.Errorf("a function that fell to zero in a scrape gap pre-warms %d replicas, want 1", n)
	}
	plan, last := pol.Plan(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}, 15*time.Minute, now)
	if plan.Code != CodePeriodic || plan.PreWarmAt > 30*time.Minute || plan.PreWarmUntil < 30*time.Minute {
		t.Errorf("plan %s %s–%s, want periodic around 30 min (%s)", plan.Code, plan.PreWarmAt, plan.PreWarmUntil, plan.Reason)
	}
	if d := now.Sub(last); d < 20*time.Minute || d > 25*time.Minute {
		t.Errorf("last invocation %s ago, want about 23 min (11:37 into the 12 h)", d)
	}
}
