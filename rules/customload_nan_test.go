package rules

import (
	"strings"
	"testing"
)

// customNaNSeriesUnitTest is customPerInstanceUnitTest with, for each
// custom-type function, a code="500" series that no longer moves (one 500
// long ago): OpenFaaS Pro's latency example makes its ratio 0/0 = NaN at
// every evaluation, as it does for a gateway replica without a call of the
// function in its range. The alerts fire as they do without it, on the
// series with calls (lat's load 2, not NaN). gone has only such a series:
// its load stays missing, so it fires nothing, not a scale-down for a
// load of 0.
var customNaNSeriesUnitTest = strings.Replace(customPerInstanceUnitTest, "    promql_expr_test:\n", customNaNSeries+"    promql_expr_test:\n", 1)

// customNaNSeries are the series customNaNSeriesUnitTest adds.
const customNaNSeries = `      - series: 'gateway_functions_seconds_sum{code="500",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="lat.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="idle.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="500",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'gateway_functions_seconds_count{code="500",function_name="cold.fn",instance="gw-a:8082",job="gateway"}'
        values: '1x30'
      - series: 'gateway_functions_seconds_sum{code="200",function_name="gone.fn",instance="gw-a:8082",job="gateway"}'
        values: '7x30'
      - series: 'gateway_functions_seconds_count{code="200",function_name="gone.fn",instance="gw-a:8082",job="gateway"}'
        values: '3x30'
      - series: 'faas_autoscaler_function_target_load{function_name="gone.fn",scaling_type="latency"}'
        values: '5x30'
      - series: 'faas_autoscaler_function_replicas{function_name="gone.fn"}'
        values: '4x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="gone.fn"}'
        values: '1x30'
      - series: 'faas_autoscaler_function_max_replicas{function_name="gone.fn"}'
        values: '5x30'
`

// TestCustomLoadAlertsLeaveOutNaNSeries: the alerts average a custom load's
// series without its NaN ones (promql.DropNaN), as the controller does
// (metricsource/prometheus TestCustomLoadLeavesOutNaNSeries).
//
// Seen failing before the fix: no alert fired for lat, idle or cold (their
// average NaN), only busy's.
func TestCustomLoadAlertsLeaveOutNaNSeries(t *testing.T) {
	o := Defaults()
	o.Custom = []CustomType{{Name: "latency", Expr: customPerInstanceExpr}}
	promtoolRulesTest(t, o, []byte(customNaNSeriesUnitTest), "alerts over a custom load with NaN series")
}
