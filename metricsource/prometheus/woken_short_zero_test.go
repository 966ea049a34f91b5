package prometheus

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

// TestWokenSeesAShortZeroInALongWindow: Activity.Woken is what
// a restarted idler reads instead of a wake from zero it did not see live
// (metricsource.Activity: "reported at zero replicas at some point within
// the window and running at the latest observation"). The woken query
// samples the replica count at window/60 (wokenQuery: a 4 m step over a
// 4 h keep-alive), so a function parked for less than a step (scaled to
// zero, then woken by a pre-warm or an operator two minutes later, no
// call) between two steps is not in Woken, and the restarted idler scales
// it to zero at once instead of giving it its keep-alive from the wake.
// The embedded source, which keeps every change, reports such a wake.
//
// Seen failing before the fix: promtool "exp: {} 1E+00, got: nil" at 5h.
func TestWokenSeesAShortZeroInALongWindow(t *testing.T) {
	q, _, err := wokenQuery(4*time.Hour, DefaultMaxScrapeGap)
	if err != nil {
		t.Fatal(err)
	}
	// Scraped every 15 s for 5 h: running, at zero over [9915 s, 10035 s)
	// (eight scrapes, two minutes), running again since. 9915 s is past
	// the 4 m step at 9840 s and 10035 s before the next, at 10080 s.
	// Evaluated at 5 h (18000 s): the wake, 2 h ago, is in the 4 h window.
	test := `evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'gateway_service_count{function_name="pw.openfaas-fn",instance="gw:8082",job="gateway"}'
        values: '1x660 0x7 1x532'
    promql_expr_test:
      - expr: ` + yamlQuoted("count("+q+")") + `
        eval_time: 5h
        exp_samples:
          - labels: '{}'
            value: 1
`
	promtoolUnitTest(t, "groups: []\n", test)
}

// TestWokenRangeCoversTheScrape: the woken query's range (and the bound it
// adds to the last zero) is at least the scrape interval, rounded up to
// whole seconds: the interval read is a median gap such as 14.998 s, and
// cut down to 14 s the bound came up to a second before the wake.
func TestWokenRangeCoversTheScrape(t *testing.T) {
	for _, c := range []struct {
		window, scrape, want time.Duration
	}{
		{10 * time.Minute, 14998 * time.Millisecond, 15 * time.Second}, // step 10s
		{10 * time.Minute, 5 * time.Second, 10 * time.Second},          // the step
		{4 * time.Hour, 15 * time.Second, 4 * time.Minute},             // the step
		{time.Minute, 0, time.Second},
	} {
		q, r, err := wokenQuery(c.window, c.scrape)
		if err != nil {
			t.Fatal(err)
		}
		if r != c.want || !strings.Contains(q, "["+model.Duration(c.want).String()+"]") {
			t.Errorf("window %s, scrape %s: range %s in %s, want %s", c.window, c.scrape, r, q, c.want)
		}
	}
}
