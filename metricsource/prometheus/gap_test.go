package prometheus

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/teststack"
)

// TestGapInsideWindow reproduces issue 15 items 2 and 3 on a real
// Prometheus scraping every second, with the operator's max scrape gap at
// its 30 s default and an 8 s window:
//
//   - a function is called only while Prometheus is down (stopped and
//     restarted on the same storage); right after the restart the window
//     holds part of the gap, its samples after the gap are flat, and the
//     window must not read as covered (the reason names the gap);
//   - the gateway keeps answering /metrics but without the function's
//     series: the function is vanished (unknown), not absent (never invoked).
//
// Seen failing before the fix: the first check read Covered=true with
// Started[busy]=0 (a 6 s gap is under the fixed 30 s bound); the second read
// busy as absent from Started with Covered=true and no Vanished entry.
func TestGapInsideWindow(t *testing.T) {
	ex := teststack.NewExporter(t)
	gw := teststack.NewGatewayMetrics(ex.Registry)
	var calling atomic.Bool
	stop := teststack.Every(t, 100*time.Millisecond, func() {
		if calling.Load() {
			gw.Total.WithLabelValues("busy", "200").Inc()
			gw.Started.WithLabelValues("busy").Inc()
		}
	})
	defer stop()
	gw.Started.WithLabelValues("busy").Add(1)
	gw.Total.WithLabelValues("busy", "200").Add(1)

	prom := teststack.Prometheus(t, teststack.PromOptions{
		ScrapeTargets: []teststack.Target{{Job: "gateway", URL: ex.Addr()}},
	})
	src := gatewaySource(t, prom, nil)
	const window = 8 * time.Second
	prom.WaitUp(t, "gateway")
	// A whole window of quiet, covered observation first: the baseline.
	waitFor(t, "a covered quiet window", func() bool {
		act, err := src.Activity(context.Background(), window)
		return err == nil && act.Covered && act.Started[busy] == 0
	})

	t.Run("calls during a Prometheus outage", func(t *testing.T) {
		if err := prom.Stop(); err != nil {
			t.Fatal(err)
		}
		calling.Store(true)
		time.Sleep(2 * time.Second) // calls Prometheus cannot see yet
		calling.Store(false)
		if err := prom.Start(); err != nil {
			t.Fatal(err)
		}
		prom.WaitUp(t, "gateway")
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if act.Covered {
			t.Fatalf("covered right after a Prometheus outage inside the %s window; started=%v", window, act.Started)
		}
		if !strings.Contains(act.Uncovered, "gap") {
			t.Errorf("reason %q does not name the gap", act.Uncovered)
		}
	})

	t.Run("series vanish from the gateway", func(t *testing.T) {
		waitFor(t, "a covered window after the restart", func() bool {
			act, err := src.Activity(context.Background(), window)
			return err == nil && act.Covered
		})
		gw.Total.Reset()
		gw.Started.Reset()
		waitFor(t, "the window to pass the vanishing", func() bool {
			act, err := src.Activity(context.Background(), window)
			if err != nil || !act.Covered {
				return false
			}
			_, present := act.Started[busy]
			return !present
		})
		act, err := src.Activity(context.Background(), window)
		if err != nil {
			t.Fatal(err)
		}
		if !act.Vanished[busy] {
			t.Fatalf("busy's series vanished %s+ ago but it is not reported vanished: %+v", window, act)
		}
	})
}
