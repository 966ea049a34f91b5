package rules

import (
	"strings"
	"testing"
)

// newProcessSeries are a function's gateway series behind two replicas at
// the defaults (5 s scrape, 20 s window). Replica a has run for a day and
// serves the function at 1/s, 0.5 s a call. Replica b is a new pod whose
// gateway process started at 135 s, but whose first scrape came at 150 s
// (Prometheus discovered the pod late, or its first scrapes were refused
// while it started): the window's 15 s (its range less one interval). The
// function's started and invocation counters on b are made at its first
// call and first show at 150 s with 60 calls, 4/s since the start; 4/s
// it goes on serving.
//
// b's target has one scrape in the window, so only its start time says
// that the 60 are new calls (promql.FreshRate's second case), and they are
// the calls of 15 s, not of one scrape interval.
const newProcessSeries = `      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+5x60'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+5x60'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '500+2.5x60'
      - series: 'gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000+5x60'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x60'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x60'
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x30 60+20x30'
      - series: 'gateway_function_invocation_started{function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x30 60+20x30'
      - series: 'up{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 1x30'
      - series: 'process_start_time_seconds{instance="gateway-b:8082",job="gateway"}'
        values: '_x30 135x30'
`

// rpsNewProcessUnitTest: the rps irate record at 153 s, within b's first
// scrape interval, is a's 1/s and b's 60 calls over the 15 s since b's
// start, 4/s: 5/s. 60 over one interval, 12/s, made it 13/s.
const rpsNewProcessUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
` + newProcessSeries + `    promql_expr_test:
      - expr: function_name:gateway_function_invocation_total:irate20s
        eval_time: 153s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_invocation_total:irate20s", function_name="fn.openfaas-fn"}'
            value: 5
`

// capacityNewProcessUnitTest: the capacity record (CE: no in-flight
// gauge) at 153 s is the arrivals' 5/s × 0.5 s, 2.5 in flight; b's 60
// calls over one interval made it 13/s × 0.5 s, 6.5 (under the cap of the
// window's 85 arrivals).
const capacityNewProcessUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
` + newProcessSeries + `    promql_expr_test:
      - expr: function_name:gateway_function_concurrency:max_over_time20s
        eval_time: 153s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_concurrency:max_over_time20s", function_name="fn.openfaas-fn"}'
            value: 2.5
`

// TestFreshRateOfANewProcessSpreadsItsFirstValueSinceTheStart: a counter's
// first value on a gateway whose process started within the window, its
// target scraped once since, counts over the time from the start to that
// scrape (at least one interval), not over one interval: the rps record
// read up to window ÷ interval (4× at the defaults) the rate, and the
// scale-up alert and the load it sends asked for that many replicas.
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "exp:
// … value 5, got: … 13".
func TestFreshRateOfANewProcessSpreadsItsFirstValueSinceTheStart(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(rpsNewProcessUnitTest), "rps irate record over a new gateway process's first scrape")
}

// TestCapacityOfANewProcessSpreadsItsFirstValueSinceTheStart: the same in
// the capacity record's arrivals (the same promql.FreshRate).
//
// Seen failing before the fix (session 47): promtool 2.42 and 3, "exp:
// … value 2.5, got: … 6.5".
func TestCapacityOfANewProcessSpreadsItsFirstValueSinceTheStart(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(capacityNewProcessUnitTest), "capacity record over a new gateway process's first scrape")
}

// rpsNewProcessLaterSeriesUnitTest: a gateway process started at 137 s,
// scraped at 140 s and 145 s without the function's series, which first
// shows at 150 s with 50 calls: the scrapes without it say the 50 are
// the calls of the last interval, 10/s, though the start time alone would
// spread them over 13 s. Where both say a series is new, the interval
// answers.
const rpsNewProcessLaterSeriesUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-c:8082",job="gateway"}'
        values: '_x30 50+50x30'
      - series: 'up{instance="gateway-c:8082",job="gateway"}'
        values: '_x28 1x32'
      - series: 'process_start_time_seconds{instance="gateway-c:8082",job="gateway"}'
        values: '_x28 137x32'
    promql_expr_test:
      - expr: function_name:gateway_function_invocation_total:irate20s
        eval_time: 153s
        exp_samples:
          - labels: '{__name__="function_name:gateway_function_invocation_total:irate20s", function_name="fn.openfaas-fn"}'
            value: 10
`

// TestFreshRateOfANewProcessKeepsTheIntervalForASeriesMadeSince: a series
// made at a call after its new process's first scrapes counts over one
// interval, not over the time since the start.
func TestFreshRateOfANewProcessKeepsTheIntervalForASeriesMadeSince(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(rpsNewProcessLaterSeriesUnitTest), "rps irate record over a series made after a new process's first scrapes")
}

// TestFreshRateOfANewProcessPerHACopy: an undeduplicated HA pair holds
// every series twice, labelled replica A and B, and each copy of b's
// counter is divided by its own copy of b's span (group_left on every
// label but the counter's own). B's copy of b's start time reads a day
// old here (say B's scrapes of b's first seconds failed and it holds the
// old pod's): B's copy of the 60 counts nowhere, A's as 4/s, and the pair
// counts once (promql.SumOverGateways): 5/s.
func TestFreshRateOfANewProcessPerHACopy(t *testing.T) {
	a := strings.ReplaceAll(newProcessSeries, `job="gateway"}`, `job="gateway",replica="A"}`)
	b := strings.ReplaceAll(newProcessSeries, `job="gateway"}`, `job="gateway",replica="B"}`)
	b = strings.Replace(b, `'_x30 135x30'`, `'_x30 -86400x30'`, 1)
	test := strings.Replace(rpsNewProcessUnitTest, newProcessSeries, a+b, 1)
	promtoolRulesTest(t, Defaults(), []byte(test), "rps irate record over an HA pair's copies of a new gateway process's first scrape")
}

// TestFreshRateOfANewProcessWithTargetsAlikeButForCode: two targets whose
// labels differ only in one the counter's series are matched without (a
// target label named code) must not fail the whole record with a
// duplicate match ("found duplicate series for the match group"): each
// such set of targets has one span, the longest (b's 15 s: 4/s, not 6/s).
func TestFreshRateOfANewProcessWithTargetsAlikeButForCode(t *testing.T) {
	series := newProcessSeries + `      - series: 'up{code="x",instance="gateway-b:8082",job="gateway"}'
        values: '_x30 1x30'
      - series: 'process_start_time_seconds{code="x",instance="gateway-b:8082",job="gateway"}'
        values: '_x30 140x30'
`
	test := strings.Replace(rpsNewProcessUnitTest, newProcessSeries, series, 1)
	promtoolRulesTest(t, Defaults(), []byte(test), "rps irate record with two targets alike but for a code label")
}
