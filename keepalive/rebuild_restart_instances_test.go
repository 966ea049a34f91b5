package keepalive

import (
	"context"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildStartTimesOfOddInstancesFromRealPrometheus: gateway instances
// whose names are special to a regular expression or to a PromQL string (an
// IPv6 address in brackets, a quote, a backslash, an alternation, a dot)
// are named in the start-time query as themselves: the query parses, each
// matches its own instance only, and the restart in place of each is read
// (its function, called once before the restart and once after, learns
// both calls). Skipped when prometheus or promtool is missing.
func TestRebuildStartTimesOfOddInstancesFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 3 * time.Hour
	from := now.Add(-lookback - 10*time.Minute)
	r := inPlaceRestart{at: now.Add(-time.Hour + 20*time.Second), up: now.Add(-time.Hour + 50*time.Second)}
	instances := map[string]string{
		"ipv6":  "[::1]:8082",
		"quote": `gw"q:8082`,
		"slash": `gw\b:8082`,
		"alt":   "a|b:8082",
		"dot":   "10.0.0.5:8082",
	}
	var b backfill
	for fn, in := range instances {
		scrapedGateway(&b, "gateway", in, 7*time.Second, now, from, r, false, map[string]func(time.Time) int{
			fn: func(ts time.Time) int {
				if ts.Before(now.Add(-2*time.Hour + 22*time.Second)) {
					return 0 // from before the lookback: the history covers it
				}
				return 1
			},
		})
	}
	// Not restarted, at an instance the dot of "10.0.0.5" would match
	// unescaped: its start time is not the restarted one's.
	scrapedGateway(&b, "other", "10.0.0.5:8082x", 7*time.Second, now, from, inPlaceRestart{}, false, map[string]func(time.Time) int{})
	p := backfilled(t, b.openMetrics())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pol, _ := New(Config{PreWarmShare: 0.25})
	rep, err := pol.Rebuild(ctx, p.API(), now, lookback, time.Minute, "openfaas-fn")
	if err != nil {
		t.Fatalf("%v\n%s", err, p.Logs())
	}
	if rep.StartTimesErr != nil {
		t.Fatalf("start times not read: %v", rep.StartTimesErr)
	}
	for fn := range instances {
		ref := provider.Ref{Name: fn, Namespace: "openfaas-fn"}
		want, _ := New(Config{PreWarmShare: 0.25})
		want.ObserveCount(ref, now.Add(-2*time.Hour+time.Minute), time.Minute, 1)
		want.ObserveCount(ref, now.Add(-time.Hour+time.Minute), time.Minute, 1)
		if got, w := learned(pol, ref), learned(want, ref); got != w {
			t.Errorf("%s (instance %q) learned %s, want %s", fn, instances[fn], got, w)
		}
	}
}
