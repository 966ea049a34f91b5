package keepalive

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource/prometheus"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// blindPrometheus answers the Prometheus source's instant reads of the
// started counters and the gateways' start times (one query) with one
// gateway's counter for one function, standing at n (no calls), and the
// gateway's process start time except at reads from blindFrom to blindTo
// (its process collector failing while the rest of its scrape is served).
func blindPrometheus(t *testing.T, n float64, started float64, blindFrom, blindTo time.Time) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at, err := time.Parse(time.RFC3339Nano, r.FormValue("time"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := float64(at.UnixNano()) / 1e9
		value := func(v float64) []any { return []any{ts, strconv.FormatFloat(v, 'f', -1, 64)} }
		result := []map[string]any{{
			"metric": map[string]string{"function_name": "fn.openfaas-fn", "instance": "gw:8080"},
			"value":  value(n),
		}}
		if at.Before(blindFrom) || !at.Before(blindTo) {
			result = append(result, map[string]any{
				"metric": map[string]string{"instance": "gw:8080", "counter": "start_time"},
				"value":  value(started),
			})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success",
			"data": map[string]any{"resultType": "vector", "result": result}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFeederCountsNoCallsOfAGatewayBlindForADay: the live path of the
// keep-alive's learning (the feeder reading the Prometheus source's
// started totals). A gateway serves its counters throughout, but its
// process start time is missing for 25 hours (its process collector
// failing); no function is called. The source keeps naming the gateway's
// series with the start time it held while it is missing (epochs.go:
// missing is not a restart), and forgot a held start time a day after it
// was last read, even while the gateway's counters were read at every
// step: the series were then named anew (start time 0) and counted their
// whole value, 50 calls nobody made, placed in that step. Now a read of
// its counters keeps it as a read of its start time does. The rebuild
// reads the same history as no call
// (TestRebuildCountsNoCallsOfAGatewayBlindForADay).
//
// Seen failing before the fix (epochs.go's blind branch without h.at):
// "functions counted as called (at reads since t0) [25h0m0s: 1], last
// call learned 2026-12-08 00:59:54 +0000 UTC; want none". With the start
// time missing for 23 hours only it passed then too.
func TestFeederCountsNoCallsOfAGatewayBlindForADay(t *testing.T) {
	ref := provider.Ref{Name: "fn", Namespace: "openfaas-fn"}
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	const step = 10 * time.Minute
	started := float64(t0.Add(-48 * time.Hour).Unix())
	srv := blindPrometheus(t, 50, started, t0.Add(time.Hour), t0.Add(26*time.Hour))
	cfg := prometheus.DefaultConfig()
	cfg.URL = srv.URL
	src, err := prometheus.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := mustPolicy(t)
	f := &Feeder{Policy: p, Source: src, Step: step}
	var counted []string
	for now := t0; !now.After(t0.Add(28 * time.Hour)); now = now.Add(step) {
		if n := f.RunOnce(t.Context(), now); n != 0 {
			counted = append(counted, fmt.Sprintf("%s: %d", now.Sub(t0), n))
		}
	}
	var last time.Time
	if h := p.fns[ref]; h != nil {
		last = h.last
	}
	if len(counted) != 0 || !last.IsZero() {
		t.Errorf("functions counted as called (at reads since t0) %v, last call learned %v; want none: "+
			"the counter stood at 50 throughout, its gateway's start time missing from hour 1 to 26 while its counters were read",
			counted, last)
	}
}
