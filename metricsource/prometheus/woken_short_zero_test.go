package prometheus

import (
	"testing"
	"time"
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
