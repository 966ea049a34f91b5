package prometheus

import (
	"testing"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// customLatencyRules is OpenFaaS Pro's documented latency custom rule
// (reference/openfaas.md), recorded every 5 s: one series per gateway
// replica and status code.
const customLatencyRules = `groups:
  - name: custom
    interval: 5s
    rules:
      - record: job:function_current_load:sum
        expr: rate(gateway_functions_seconds_sum[30s]) / rate(gateway_functions_seconds_count[30s])
        labels:
          scaling_type: latency
`

// TestCustomLoadLeavesOutNaNSeries: a custom scaling type recorded as
// OpenFaaS Pro's documented latency example keeps a series per gateway
// replica and status code, which the controller averages (avg by
// (function_name): TestCustomLoadWithPerInstanceSeries). The function
// answers every call in 2 s with a 200; it returned one 500 long ago, so
// the histogram also holds a code="500" series that no longer moves, and
// its ratio is 0/0 = NaN at every evaluation (as is a second gateway
// replica's that got no call of the function in 30 s). The average of any
// NaN is NaN, which the reader drops as missing, so the function's latency
// load was missing for good, though every series with calls said 2 s. A
// NaN series is left out of the average; a function whose every series is
// NaN stays missing, not 0.
//
// Seen failing before the fix: the function read NaN (review 45's
// TestReview45CustomLatencyPoisonedByNaNSeries), and "idle" read NaN, not
// nothing.
func TestCustomLoadLeavesOutNaNSeries(t *testing.T) {
	q, err := loadQuery(metricsource.LoadQuery{Type: "latency", Window: time.Minute}, DefaultMaxScrapeGap, 5*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	test := `rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_functions_seconds_sum{code="200",function_name="lat.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1000+4x40'
      - series: 'gateway_functions_seconds_count{code="200",function_name="lat.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '500+2x40'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="lat.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '3x40'
      - series: 'gateway_functions_seconds_count{code="500",function_name="lat.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '1x40'
      # idle.fn: no call within 30 s on any series, every ratio NaN
      - series: 'gateway_functions_seconds_sum{code="200",function_name="idle.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '7x40'
      - series: 'gateway_functions_seconds_count{code="200",function_name="idle.fn",instance="10.0.0.1:8082",job="openfaas-pods"}'
        values: '3x40'
    promql_expr_test:
      - expr: ` + yamlQuoted(q) + `
        eval_time: 180s
        exp_samples:
          - labels: '{function_name="lat.fn"}'
            value: 2
`
	promtoolUnitTest(t, customLatencyRules, test)
}
