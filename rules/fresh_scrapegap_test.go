package rules

import (
	"strings"
	"testing"
)

// scrapeGapUnitTest: one gateway at the defaults (5 s scrape, 20 s
// window), its process a day old, scraped successfully at every scrape
// Prometheus made; but Prometheus made none at 135 s and 140 s (restarted
// in ten seconds, its WAL keeping what came before). A function first
// called through the gateway after the 130 s scrape shows at 145 s with 60
// calls, made within the 15 s since that scrape, and goes on at 20 a
// scrape (4/s). No rps record may read it above its 4/s.
const scrapeGapUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '_x29 60+20x30'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '_x29 60+20x30'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x26 _x2 1x30'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x26 _x2 -86400x30'
    promql_expr_test:
      - expr: function_name:gateway_function_invocation_total:irate20s > 4
        eval_time: 147s
`

// TestFreshRateAfterAScrapeGapWithoutFailure: promql.FirstSampleSpan took
// a series' first value as the calls of one scrape interval wherever no
// scrape in the range failed after a success and two succeeded. The scrape
// before the sample is the last one Prometheus made, which need not be one
// interval back: with no scrape at all between (Prometheus restarted, the
// target briefly out of discovery: no up 0, no reset), it is 15 s back
// here, and the 60 calls of 15 s read as 60 in 5 s: 12/s for a function
// called at 4/s, three times its rate in the rps record (up to window ÷
// interval − 1 = 3× at the defaults; more in the source's capacity query,
// whose range is longer), which the scale-up alert and the load read. The
// span is now the time between the target's last two scrapes: 15 s, 4/s.
//
// Seen failing before the fix (session 47, a review's test): promtool 2.42
// and 3, "rps irate record over a series first seen after a 15 s gap in
// scrapes without a failed one" got
// {function_name="fn.openfaas-fn"} 12 where nothing was expected.
func TestFreshRateAfterAScrapeGapWithoutFailure(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(scrapeGapUnitTest), "rps irate record over a series first seen after a 15 s gap in scrapes without a failed one")
}

// TestFreshRateAfterATargetWasStaleForAScrapeGap: the same gap where the
// target left discovery for it (its series marked stale at 135 s instead
// of absent): the scrape before the sample is still the one at 130 s.
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "rps
// irate record over a series first seen after its target was stale for
// 15 s" got {function_name="fn.openfaas-fn"} 12 where nothing was
// expected.
func TestFreshRateAfterATargetWasStaleForAScrapeGap(t *testing.T) {
	test := scrapeGapUnitTest
	for _, r := range [][2]string{
		{`values: '1x26 _x2 1x30'`, `values: '1x26 stale _ 1x30'`},
		{`values: '-86400x26 _x2 -86400x30'`, `values: '-86400x26 stale _ -86400x30'`},
	} {
		if !strings.Contains(test, r[0]) {
			t.Fatalf("no %s in the test", r[0])
		}
		test = strings.Replace(test, r[0], r[1], 1)
	}
	promtoolRulesTest(t, Defaults(), []byte(test), "rps irate record over a series first seen after its target was stale for 15 s")
}
