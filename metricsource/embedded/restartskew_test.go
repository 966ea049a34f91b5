package embedded

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// TestRestartIsToldOnTheGatewaysClock: whether a new gateway process
// started after the last page recorded (a restart in place: its counters
// are all calls since) or before it (another replica: a new baseline, its
// calls since that page unknown) compares the new process's start time,
// on the gateway node's clock, with that page's time. Taken on the
// controller's clock, a skew between the two moved the line by the skew:
// a restart 1.5 s after a page with the gateway 3 s behind read as a
// rebase (its calls missing), and a replica started 1.5 s before it with
// the gateway 3 s ahead read as a restart (its 5,000 calls from before
// counted as calls since). The gateway's HTTP Date header is its own
// clock's time of each page (to the second: a start within the second of
// the page is still told on the controller's clock, startedSince). The
// scrapes, 2 s apart, are made with ScrapeOnce at virtual times; the
// server answers for them.
func TestRestartIsToldOnTheGatewaysClock(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0) // whole seconds: the Date header's
	for _, tc := range []struct {
		name string
		skew time.Duration // the gateway's clock less the controller's
		// The new process's start and its counter on its first page (at
		// 8.2 s; the old process served the pages up to 6.2 s, its
		// counter at 40).
		start time.Duration // after t0, on the controller's clock
		calls float64
		rps   float64 // over the scrapes at 4.2 s and 8.2 s; -1: missing
	}{
		{name: "restart after the last page, gateway behind", skew: -3 * time.Second, start: 7500 * time.Millisecond, calls: 4, rps: 1},
		{name: "replica started before the last page, gateway ahead", skew: 3 * time.Second, start: 5500 * time.Millisecond, calls: 5000, rps: -1},
		{name: "restart after the last page, clocks agree", start: 7500 * time.Millisecond, calls: 4, rps: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			now := t0 // the scrape being made, on the controller's clock
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				at := now
				mu.Unlock()
				start, calls := float64(t0.Unix()-7200)+0.25, 40.0
				if at.Sub(t0) >= 8*time.Second {
					start, calls = float64(t0.Add(tc.start+tc.skew).UnixMilli())/1e3+0.07, tc.calls
				}
				w.Header().Set("Date", at.Add(tc.skew).UTC().Format(http.TimeFormat))
				fmt.Fprintf(w, "process_start_time_seconds %s\n", strconv.FormatFloat(start, 'f', 2, 64))
				fmt.Fprintf(w, "%s{function_name=\"f\"} %g\n", MetricStarted, calls)
				fmt.Fprintf(w, "%s{code=\"200\",function_name=\"f\"} %g\n", MetricTotal, calls)
			}))
			defer srv.Close()
			clk := &fixedClock{}
			cfg := DefaultConfig()
			cfg.URL, cfg.Interval, cfg.Clock = srv.URL, 2*time.Second, clk
			src, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				mu.Lock()
				now = t0.Add(time.Duration(2*i)*time.Second + 200*time.Millisecond)
				at := now
				mu.Unlock()
				if err := src.ScrapeOnce(context.Background(), at); err != nil {
					t.Fatalf("scrape at %s: %v", at.Sub(t0), err)
				}
			}
			clk.t = t0.Add(8700 * time.Millisecond)
			v, err := src.Load(context.Background(), metricsource.LoadQuery{Type: metricsource.TypeRPS, Window: 4 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := v[fnRef("f")]
			switch {
			case tc.rps < 0 && ok:
				t.Errorf("rps over [4.7 s, 8.7 s]: %v; want missing (a process started before the last page: its calls since are unknown)", got)
			case tc.rps >= 0 && (!ok || got != tc.rps):
				t.Errorf("rps over [4.7 s, 8.7 s]: %v (present %v); want %v (a restart: every call on its first page is new)", got, ok, tc.rps)
			}
		})
	}
}
