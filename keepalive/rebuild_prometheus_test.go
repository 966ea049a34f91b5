package keepalive

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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
	p := backfilled(t, b.String())

	pol, _ := New(Config{PreWarmShare: 0.25})
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
	// Read again as a term starts (RefreshZeroed: newest first, in spans
	// sized on the clock, on the grid of one read's steps): the same counts.
	again, _ := New(Config{PreWarmShare: 0.25})
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	r, err := again.RefreshZeroed(rctx, p.API(), now, 12*time.Hour, time.Minute, "openfaas-fn", time.Now)
	if err != nil || r.Told != 1 || !r.From.Equal(now.Add(-12*time.Hour)) {
		t.Errorf("refresh %+v, %v: want timer told, the 12 h read back to their start", r, err)
	}
	if a, b := again.preWarmReplicas(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}), again.preWarmReplicas(provider.Ref{Name: "gap", Namespace: "openfaas-fn"}); a != 2 || b != 1 {
		t.Errorf("after a refresh, pre-warms start timer %d, gap %d; want 2 and 1", a, b)
	}
	plan, last := pol.Plan(provider.Ref{Name: "timer", Namespace: "openfaas-fn"}, 15*time.Minute, now)
	if plan.Code != CodePeriodic || plan.PreWarmAt > 30*time.Minute || plan.PreWarmUntil < 30*time.Minute {
		t.Errorf("plan %s %s–%s, want periodic around 30 min (%s)", plan.Code, plan.PreWarmAt, plan.PreWarmUntil, plan.Reason)
	}
	if d := now.Sub(last); d < 20*time.Minute || d > 25*time.Minute {
		t.Errorf("last invocation %s ago, want about 23 min (11:37 into the 12 h)", d)
	}

	// Asked in parts (here of 30 steps: the series counted by Prometheus
	// itself), the rebuild learns the same.
	atPoints(t, 30)
	inParts, _ := New(Config{PreWarmShare: 0.25})
	partsRep, err := inParts.Rebuild(ctx, p.API(), now, 12*time.Hour, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(partsRep, rep) || !reflect.DeepEqual(learnedOf(inParts, now), learnedOf(pol, now)) {
		t.Errorf("rebuilt in parts: %+v, whole: %+v; or what they learned differs", partsRep, rep)
	}
}

// TestRebuildCountsEveryCallFromRealPrometheus backfills single calls into
// a real Prometheus, scraped every 15 s at 7 s past each minute as a real
// scrape's phase falls, and checks that Rebuild learns every one of them
// in the step it shows in: a series created by a function's only call, a
// function's first call creating its series mid-lookback, calls that show
// first at 7 s past a minute (between the last sample one minute-window
// sees and the first the next sees), a reset (a gateway restarted, its
// first call after it), and a second gateway instance's series, present
// before the lookback, whose earlier calls are not learned. A query that
// counted with increase() over minute windows lost all of them but the
// calls at 22 and 37 s past. Skipped when prometheus or promtool is
// missing (a failure under CI=true).
func TestRebuildCountsEveryCallFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 6 * time.Hour
	series := []struct {
		labels  string
		changes []counterChange
	}{
		{`function_name="once.openfaas-fn",instance="gw-a"`, []counterChange{{-5*time.Hour + 22*time.Second, 1}}},
		{`function_name="calls.openfaas-fn",instance="gw-a"`, []counterChange{
			{-4*time.Hour + 7*time.Second, 1}, {-3*time.Hour + 22*time.Second, 2},
			{-2*time.Hour + 7*time.Second, 1}, {-time.Hour + 37*time.Second, 2},
		}},
		{`function_name="calls.openfaas-fn",instance="gw-b"`, []counterChange{{-lookback - 10*time.Minute, 5}, {-30*time.Minute + 7*time.Second, 6}}},
	}
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	for _, s := range series {
		writeStarted(&b, s.labels, s.changes, now, lookback, 7*time.Second)
	}
	pol, rep := rebuildBackfilled(t, b.String(), now, lookback)
	if rep.Functions != 2 || rep.Invocations != 6 {
		t.Errorf("report %+v, want 2 functions, 6 invocations", rep)
	}
	// Each call is learned in the minute step it shows in: the one ending
	// at the next whole minute.
	want, _ := New(Config{PreWarmShare: 0.25})
	for name, ends := range map[string][]time.Duration{
		"once":  {-5*time.Hour + time.Minute},
		"calls": {-4*time.Hour + time.Minute, -3*time.Hour + time.Minute, -2*time.Hour + time.Minute, -time.Hour + time.Minute, -29 * time.Minute},
	} {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		for _, end := range ends {
			want.ObserveCount(ref, now.Add(end), time.Minute, 1)
		}
		if got, w := learned(pol, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", name, got, w)
		}
	}
}

// TestRebuildWithinQueryMaxSamplesFromRealPrometheus: Prometheus refuses
// a query that would hold more than --query.max-samples points at once
// (422, default 50 million: a day at one-minute steps of 35,000 counter
// series, 10,000 functions on a few gateway replicas, or a fleet of
// 100,000 on one). Rebuild then asks for the range in parts, each
// series' values carried from one part to the next, and learns what one
// answer would have taught: here 3 series over 6 hours, 1,083 points,
// against a limit of 1,000. Skipped when prometheus or promtool is
// missing (a failure under CI=true).
func TestRebuildWithinQueryMaxSamplesFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 6 * time.Hour
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	// Each function is called once an hour, at its own minute; the counter
	// series is there from before the lookback.
	for i, fn := range []string{"a", "b", "c"} {
		for ts := now.Add(-lookback - 10*time.Minute + 7*time.Second); !ts.After(now); ts = ts.Add(15 * time.Second) {
			calls := int(ts.Sub(now.Add(-lookback).Add(time.Duration(10*i)*time.Minute))/time.Hour) + 1
			fmt.Fprintf(&b, "gateway_function_invocation_started{function_name=\"%s.openfaas-fn\",instance=\"gw-a\"} %d %d\n", fn, 100+max(calls, 0), ts.Unix())
		}
	}
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for _, fn := range []string{"a", "b", "c"} {
		for ts := now.Add(-lookback - 10*time.Minute + 7*time.Second); !ts.After(now); ts = ts.Add(15 * time.Second) {
			fmt.Fprintf(&b, "gateway_service_count{function_name=\"%s.openfaas-fn\"} 1 %d\n", fn, ts.Unix())
		}
	}
	pol, rep := rebuildBackfilled(t, b.String(), now, lookback, "--query.max-samples=1000")
	if rep.Functions != 3 || rep.Invocations != 15 || rep.ZeroedErr != nil {
		t.Errorf("report %+v, want 3 functions, 15 invocations (5 each), the replica history read", rep)
	}
	// The same, from a Prometheus without the limit.
	want, _ := rebuildBackfilled(t, b.String(), now, lookback)
	for _, fn := range []string{"a", "b", "c"} {
		ref := provider.Ref{Name: fn, Namespace: "openfaas-fn"}
		if got, w := learned(pol, ref), learned(want, ref); got != w {
			t.Errorf("%s learned %s, want %s", fn, got, w)
		}
	}
}

// backfilled is a real Prometheus holding the OpenMetrics history om (its
// families, without the closing "# EOF"), written with `promtool tsdb
// create-blocks-from openmetrics` while it was stopped, and started with
// args. Skipped when
// prometheus or promtool is missing (a failure under CI=true).
func backfilled(t *testing.T, om string, args ...string) *teststack.Prom {
	t.Helper()
	promtool := teststack.NeedBinary(t, "promtool")
	p := teststack.Prometheus(t, teststack.PromOptions{ExtraArgs: args})
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "history.om")
	if err := os.WriteFile(in, []byte(om+"# EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", in, filepath.Join(p.DataDir(), "data")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	if err := p.Start(); err != nil {
		t.Fatalf("restart: %v\n%s", err, p.Logs())
	}
	return p
}

// counterChange is a step of a backfilled counter: from now, the first
// sample at or after now+at shows v.
type counterChange struct {
	at time.Duration
	v  int
}

// writeStarted writes a started counter's series (labels) as OpenMetrics
// samples every 15 s, phase past each 15 s, from before the lookback (so a
// series there is present at the range's first step) to now; absent until
// its first change.
func writeStarted(b *strings.Builder, labels string, changes []counterChange, now time.Time, lookback, phase time.Duration) {
	for ts := now.Add(-lookback - 10*time.Minute + phase); !ts.After(now); ts = ts.Add(15 * time.Second) {
		v := -1
		for _, c := range changes {
			if !ts.Before(now.Add(c.at)) {
				v = c.v
			}
		}
		if v >= 0 {
			fmt.Fprintf(b, "gateway_function_invocation_started{%s} %d %d\n", labels, v, ts.Unix())
		}
	}
}

// rebuildBackfilled backfills om into a real Prometheus started with args
// and rebuilds a new Policy from it over lookback at now, at one-minute
// steps.
func rebuildBackfilled(t *testing.T, om string, now time.Time, lookback time.Duration, args ...string) (*Policy, RebuildReport) {
	t.Helper()
	p := backfilled(t, om, args...)
	pol, _ := New(Config{PreWarmShare: 0.25})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	return pol, rep
}
