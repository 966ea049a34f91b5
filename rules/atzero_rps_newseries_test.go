package rules

import (
	"fmt"
	"testing"
)

// atZeroGaugesFmt are the controller's gauges for fn.openfaas-fn of type
// %s, at zero replicas throughout (min 1, max 5).
const atZeroGaugesFmt = `      - series: 'faas_autoscaler_function_target_load{function_name="fn.openfaas-fn",job="faas-autoscaler",instance="controller:8080",scaling_type="%[1]s"}'
        values: '50x60'
      - series: 'faas_autoscaler_function_replicas{function_name="fn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '0x60'
      - series: 'faas_autoscaler_function_min_replicas{function_name="fn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '1x60'
      - series: 'faas_autoscaler_function_max_replicas{function_name="fn.openfaas-fn",job="faas-autoscaler",instance="controller:8080"}'
        values: '5x60'
`

// rpsNewSeriesAtZeroUnitTest: an rps function at zero behind two
// gateway replicas. Replica a has served it before (its counter reads 1000
// and stays there); replica b has never served it, so b has no series for
// it until b serves its first call: the call lands between the 150 s and
// 155 s scrapes, and b's counter first shows at 155 s with 1. Every scrape
// of b succeeded before (up 1 throughout): the 1 can only be a new call.
// The same happens to the first call after a gateway restart or a rolling
// update (a new pod, or the same one whose counters restarted).
//
// irate() starts from a series' first sample, so the irate record has
// nothing for b at 155 s and 0 from 160 s on: FunctionAtZeroWithLoad never
// fired for the call. The capacity type's at-zero record counted the same
// first value (promql.FirstSampleSpan) since session 45; the rps record
// does since session 46.
var rpsNewSeriesAtZeroUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-a:8082",job="gateway"}'
        values: '1000x60'
      - series: 'gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn",instance="gateway-b:8082",job="gateway"}'
        values: '_x31 1x28'
      - series: 'up{instance="gateway-a:8082",job="gateway"}'
        values: '1x60'
      - series: 'up{instance="gateway-b:8082",job="gateway"}'
        values: '1x60'
      - series: 'process_start_time_seconds{instance="gateway-a:8082",job="gateway"}'
        values: '-86400x60'
      - series: 'process_start_time_seconds{instance="gateway-b:8082",job="gateway"}'
        values: '-86400x60'
` + fmt.Sprintf(atZeroGaugesFmt, "rps") + `    promql_expr_test:
      - expr: ALERTS{alertname="FunctionAtZeroWithLoad"}
        eval_time: 157s
        exp_samples:
          - labels: '{__name__="ALERTS", alertname="FunctionAtZeroWithLoad", alertstate="firing", direction="up", function_name="fn.openfaas-fn", scaling_type="rps", service="faas-autoscaler"}'
            value: 1
`

// TestRPSAtZeroFiresOnAFirstCallThroughANewGatewaySeries: a call
// to an rps function at zero through a gateway replica that had no series
// for it fires the at-zero alert, as it does for a capacity function.
//
// Seen failing before the fix (promtool 2.42 and 3): "ALERTS … at 2m37s:
// exp … 1, got: nil".
func TestRPSAtZeroFiresOnAFirstCallThroughANewGatewaySeries(t *testing.T) {
	promtoolRulesTest(t, Defaults(), []byte(rpsNewSeriesAtZeroUnitTest), "at-zero alert for an rps call through a gateway replica's new series")
}
