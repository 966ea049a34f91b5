package footprint

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/testenv"
)

// listedSeries counts the controller's successful listings of the
// functions: none means it never saw the fleet it is measured with.
const listedSeries = `faas_autoscaler_provider_calls_total{operation="functions",result="ok"}`

// summaryLine is the run's closing figures: the fleet, the resident set
// (rssStats) and, from the controller's /metrics page at the end, its Go
// heap in use and how often it listed the functions.
// A series the page lacks is "not measured": read as 0 it was a heap of
// 0.0 MiB, and "0 listings" where the page did not say.
func summaryLine(n int, dur time.Duration, since string, rss rssStats, page testenv.MetricPage) string {
	heap := notMeasured
	if v, ok := page.Value("go_memstats_heap_inuse_bytes"); ok {
		heap = fmt.Sprintf("%.1f MiB", v/(1<<20))
	}
	listed := "listings " + notMeasured
	if v, ok := page.Value(listedSeries); ok {
		listed = fmt.Sprintf("%g listings", v)
	}
	return fmt.Sprintf("%d functions, %v: controller since %s %s; Go heap in use %s; %s", n, dur, since, rss, heap, listed)
}

// notMeasured stands where a figure has no value to show.
const notMeasured = "not measured"
