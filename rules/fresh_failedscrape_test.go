package rules

import (
	"strings"
	"testing"
)

// failedFirstScrapeSeries is newProcessSeries with gateway-b's first
// scrape, at 140 s, failed (up 0: the pod was not listening yet, the "first
// scrapes refused while it started" that promql.FirstSampleSpan names),
// and the one at 145 s successful without the function's series, which
// first shows at 150 s with 60 calls. b's process started at 135 s, as
// before.
func failedFirstScrapeSeries(t *testing.T) string {
	t.Helper()
	series := strings.Replace(newProcessSeries,
		`      - series: 'up{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 1x30'
      - series: 'process_start_time_seconds{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 135x30'
`, `      - series: 'up{instance="gateway-b:8082",job="gateway"}'
        values: '_x28 0 1x31'
      - series: 'process_start_time_seconds{instance="gateway-b:8082",job="gateway"}'
        values: '_x29 135x31'
`, 1)
	if series == newProcessSeries {
		t.Fatal("the series of gateway-b's target were not replaced")
	}
	return series
}

// TestFreshRateOfASeriesMadeAfterAFailedFirstScrapeKeepsTheInterval: the
// 145 s scrape, successful without the series, says b's 60 calls are the
// calls of the last interval, 12/s, as the `and` that FirstSampleSpan
// replaced read them. Its first case then required every scrape within
// the window to have succeeded, which the failed one at 140 s did not, so
// its second spread the 60 over the 15 s since the start: 4/s, a third of
// the rate, in exactly the case the spread was made for (a new pod). Now
// the first case asks that no scrape in the window failed after one
// succeeded (resets of up), and two succeeded: the one before the sample
// did. The rps record at 153 s: a's 1/s and b's 12/s.
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "exp:
// … 1.3E+01, got: … 5E+00".
func TestFreshRateOfASeriesMadeAfterAFailedFirstScrapeKeepsTheInterval(t *testing.T) {
	test := strings.Replace(rpsNewProcessUnitTest, newProcessSeries, failedFirstScrapeSeries(t), 1)
	test = strings.Replace(test, "            value: 5\n", "            value: 13\n", 1)
	promtoolRulesTest(t, Defaults(), []byte(test), "rps irate record over a series made after a new process's failed first scrape")
}

// TestCapacityOfASeriesMadeAfterAFailedFirstScrapeKeepsTheInterval: the
// same in the capacity record's arrivals (the same promql.FreshRate): 13/s
// × 0.5 s, 6.5 in flight, under the cap of the window's arrivals.
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "exp:
// … 6.5E+00, got: … 2.5E+00".
func TestCapacityOfASeriesMadeAfterAFailedFirstScrapeKeepsTheInterval(t *testing.T) {
	test := strings.Replace(capacityNewProcessUnitTest, newProcessSeries, failedFirstScrapeSeries(t), 1)
	test = strings.Replace(test, "            value: 2.5\n", "            value: 6.5\n", 1)
	promtoolRulesTest(t, Defaults(), []byte(test), "capacity record over a series made after a new process's failed first scrape")
}

// TestFreshRateOfANewSeriesWhileTheNextScrapeIsInFlight: a scrape's
// samples land when it ends, stamped with its start, so an evaluation
// during a slow scrape of b at 155 s sees b's 150 s scrape as its last,
// more than one interval back. The scrape before the sample is still read
// within the window; a check of `up offset <interval>` would read the
// sample's own scrape there, and the new series nothing. At 156 s: 13/s
// as at 153 s.
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "exp:
// … 1.3E+01, got: … 1E+00" (b's start 21 s back, out of the window).
func TestFreshRateOfANewSeriesWhileTheNextScrapeIsInFlight(t *testing.T) {
	series := failedFirstScrapeSeries(t)
	// b's target up to its 150 s scrape, the next not yet stored.
	for _, r := range [][2]string{
		{`values: '_x30 60+20x30'`, `values: '_x30 60'`},
		{`values: '_x28 0 1x31'`, `values: '_x28 0 1 1'`},
		{`values: '_x29 135x31'`, `values: '_x29 135 135'`},
	} {
		if !strings.Contains(series, r[0]) {
			t.Fatalf("no %s in the series", r[0])
		}
		series = strings.ReplaceAll(series, r[0], r[1])
	}
	test := strings.Replace(rpsNewProcessUnitTest, newProcessSeries, series, 1)
	test = strings.Replace(test, "eval_time: 153s", "eval_time: 156s", 1)
	test = strings.Replace(test, "            value: 5\n", "            value: 13\n", 1)
	promtoolRulesTest(t, Defaults(), []byte(test), "rps irate record over a new series while its target's next scrape is in flight")
}
