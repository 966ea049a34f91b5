package keepalive

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRebuildLookbackOverPrometheusResolution: Prometheus refuses any range
// query of more than 11,000 steps after its first ("exceeded maximum
// resolution of 11,000 points per timeseries"), whatever it holds. At
// Rebuild's one-minute steps that is a lookback of over 7 days 15 hours
// (keep_alive.rebuild_lookback: 8d, to learn from a week of functions
// called a few times a day): with few series a part was the whole
// lookback, refused, and nothing was learned, at every start; the replica
// history, asked whole, was refused too. Skipped when prometheus or
// promtool is missing (a failure under CI=true).
//
// Seen failing before the fix: "keepalive: rebuild from Prometheus:
// bad_data: exceeded maximum resolution of 11,000 points per timeseries.
// Try decreasing the query resolution (?step=XX)".
func TestRebuildLookbackOverPrometheusResolution(t *testing.T) {
	now := time.Now().Truncate(time.Minute)
	lookback := 8 * 24 * time.Hour
	var b strings.Builder
	b.WriteString("# TYPE gateway_function_invocation_started unknown\n")
	count := 0
	// A call every 30 minutes in the last 12 hours, on a series created
	// at 0 as they begin.
	for ts := now.Add(-12 * time.Hour); !ts.After(now); ts = ts.Add(15 * time.Second) {
		if now.Sub(ts)%(30*time.Minute) == 0 && ts.After(now.Add(-12*time.Hour)) {
			count++
		}
		fmt.Fprintf(&b, "gateway_function_invocation_started{function_name=\"timer.openfaas-fn\"} %d %d\n", count, ts.Unix())
	}
	b.WriteString("# TYPE gateway_service_count gauge\n")
	for ts := now.Add(-12 * time.Hour); !ts.After(now); ts = ts.Add(15 * time.Second) {
		n := 2
		if now.Sub(ts) <= 10*time.Minute {
			n = 0
		}
		fmt.Fprintf(&b, "gateway_service_count{function_name=\"timer.openfaas-fn\"} %d %d\n", n, ts.Unix())
	}
	_, rep := rebuildBackfilled(t, b.String(), now, lookback)
	// The series' first value (0) is the baseline: every call is learned.
	if rep.Functions != 1 || rep.Invocations != float64(count) || rep.ZeroedErr != nil || rep.Zeroed != 1 {
		t.Errorf("report %+v, want 1 function, %d invocations, 1 zeroed", rep, count)
	}
}
