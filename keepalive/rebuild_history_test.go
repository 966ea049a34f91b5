package keepalive

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// TestRebuildWhereHistoryBeginsFromRealPrometheus: a Prometheus whose
// history begins within the lookback (its retention is shorter, or its
// storage was emptied, as the OpenFaaS chart's emptyDir is at each restart
// of its pod) holds no series at the range's first step, and every counter
// shows first where the history begins, at what it counted since its
// gateway started. That is a baseline, as at the range's first step, not
// calls made there: only the call made since is learned, and a function
// never called within the history learns nothing. Where the history covers
// the step before (the gateway's replica gauge was scraped), a counter
// first shown later was created by a call, and counts. Skipped when
// prometheus or promtool is missing (a failure under CI=true).
func TestRebuildWhereHistoryBeginsFromRealPrometheus(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 12 * time.Hour
	var b strings.Builder
	// history writes one series from its first sample, at 7 s past a
	// minute and every 15 s until now, valued by value.
	history := func(labels string, from time.Duration, value func(ts time.Time) int) {
		for ts := now.Add(from + 7*time.Second); !ts.After(now); ts = ts.Add(15 * time.Second) {
			if v := value(ts); v >= 0 {
				fmt.Fprintf(&b, "%s %d %d\n", labels, v, ts.Unix())
			}
		}
	}
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	// A fresh Prometheus 3 hours ago: busy had been called 5,000 times,
	// idle 50, and busy is called once an hour ago.
	history(`gateway_function_invocation_started{function_name="busy.openfaas-fn",instance="gw-a"}`, -3*time.Hour, func(ts time.Time) int {
		if ts.Before(now.Add(-time.Hour)) {
			return 5000
		}
		return 5001
	})
	history(`gateway_function_invocation_started{function_name="idle.openfaas-fn",instance="gw-a"}`, -3*time.Hour, func(time.Time) int { return 50 })
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for _, fn := range []string{"busy", "idle"} {
		history(`gateway_service_count{function_name="`+fn+`.openfaas-fn"}`, -3*time.Hour, func(time.Time) int { return 1 })
	}
	pol, rep := rebuildBackfilled(t, b.String(), now, lookback)
	if from := now.Add(-3*time.Hour + time.Minute); rep.Functions != 1 || rep.Invocations != 1 || !rep.HistoryFrom.Equal(from) {
		t.Errorf("history from 3 h ago: report %+v, want 1 function, 1 invocation, history from %s", rep, from)
	}
	if since, _ := pol.LearnedSince(); !since.Equal(rep.HistoryFrom) {
		t.Errorf("history from 3 h ago: learned since %s, want where it begins, %s", since, rep.HistoryFrom)
	}
	want, _ := New(Config{PreWarmShare: 0.25})
	want.ObserveCount(provider.Ref{Name: "busy", Namespace: "openfaas-fn"}, now.Add(-time.Hour+time.Minute), time.Minute, 1)
	for _, name := range []string{"busy", "idle"} {
		ref := provider.Ref{Name: name, Namespace: "openfaas-fn"}
		if got, w := learned(pol, ref), learned(want, ref); got != w {
			t.Errorf("history from 3 h ago: %s learned %s, want %s", name, got, w)
		}
	}

	// The gateway scraped for the whole lookback, no function called
	// until 2 hours ago: the first call creates the counter, and counts.
	b.Reset()
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	history(`gateway_function_invocation_started{function_name="first.openfaas-fn",instance="gw-a"}`, -2*time.Hour, func(time.Time) int { return 1 })
	b.WriteString("# TYPE gateway_service_count gauge\n")
	history(`gateway_service_count{function_name="first.openfaas-fn"}`, -lookback-10*time.Minute, func(time.Time) int { return 1 })
	_, rep = rebuildBackfilled(t, b.String(), now, lookback)
	if rep.Functions != 1 || rep.Invocations != 1 || !rep.HistoryFrom.IsZero() {
		t.Errorf("a first call within a covered lookback: report %+v, want 1 function, 1 invocation, the whole lookback covered", rep)
	}
}
