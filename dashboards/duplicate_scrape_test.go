package dashboards

import (
	"fmt"
	"testing"
)

// duplicateScrapeSeries: two gateway replicas (instances gw-a and gw-b),
// each scraped by two jobs of one Prometheus (the chart's pod-annotation
// job and a ServiceMonitor), so every gateway series is stored twice,
// differing only in job. fn.openfaas-fn: 3 + 2 in flight; 4 + 2 calls/s
// started of 1 s each; 200s at 4 + 2/s and 502s at 1 + 1/s ended.
const duplicateScrapeSeries = `rule_files: [rules.yml, panel.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gw-a:8080",job="pods"}'
        values: '3x40'
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gw-a:8080",job="servicemonitor"}'
        values: '3x40'
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gw-b:8080",job="pods"}'
        values: '2x40'
      - series: 'gateway_function_invocation_inflight{function_name="fn.openfaas-fn",instance="gw-b:8080",job="servicemonitor"}'
        values: '2x40'
%[1]s
    promql_expr_test:
%[2]s
`

// duplicateCounters: every counter of the test, per instance and job.
var duplicateCounters = func() string {
	var out string
	for _, c := range []struct{ series, a, b string }{
		{`gateway_function_invocation_started{function_name="fn.openfaas-fn"`, "0+20x40", "0+10x40"},
		{`gateway_functions_seconds_count{code="200",function_name="fn.openfaas-fn"`, "0+20x40", "0+10x40"},
		{`gateway_functions_seconds_sum{code="200",function_name="fn.openfaas-fn"`, "0+20x40", "0+10x40"},
		{`gateway_function_invocation_total{code="200",function_name="fn.openfaas-fn"`, "0+20x40", "0+10x40"},
		{`gateway_function_invocation_total{code="502",function_name="fn.openfaas-fn"`, "0+5x40", "0+5x40"},
	} {
		for _, inst := range []struct{ name, values string }{{"gw-a:8080", c.a}, {"gw-b:8080", c.b}} {
			for _, job := range []string{"pods", "servicemonitor"} {
				out += "      - series: '" + c.series + `,instance="` + inst.name + `",job="` + job + `"}'` + "\n"
				out += "        values: '" + inst.values + "'\n"
			}
		}
	}
	return out
}()

// expect is a promql_expr_test item: the panel's target with legend
// (a regexp) reads want at 2 minutes.
func expect(by, legend, labels, want string) string {
	return `      - expr: round(max by (` + by + `) (panel_target{legend=~"` + legend + `"}), 0.001)
        eval_time: 2m
        exp_samples:
          - {labels: '` + labels + `', value: ` + want + `}
`
}

// TestFunctionPanelsCountAGatewayOnce: the Function detail's gauge,
// arrivals and invocation lines count each gateway replica once, however
// many jobs scrape it. Seen failing before the dedupe: 10 in flight, 12
// arrivals, 12/s of 200s and started.
func TestFunctionPanelsCountAGatewayOnce(t *testing.T) {
	fns := map[string]string{"fn": "fn.openfaas-fn"}
	evalPanel(t, "Concurrency: gauge and arrivals", fns, fmtTest(
		expect("fn", "in flight.*", `{fn="fn"}`, "5")+expect("fn", "arrivals.*", `{fn="fn"}`, "6")))
	evalPanel(t, "Invocations by status", fns, fmtTest(
		expect("fn, code", "[{][{]code[}][}]", `{fn="fn", code="200"}`, "6")+
			"          - {labels: '{fn=\"fn\", code=\"502\"}', value: 2}\n"+
			expect("fn", "started", `{fn="fn"}`, "6")))
}

// TestOverviewCountsAGatewayOnce: the Functions overview's invocation and
// error rates count each gateway replica once. Seen failing before the
// dedupe: 16/s and 4/s.
func TestOverviewCountsAGatewayOnce(t *testing.T) {
	fns := map[string]string{"all": ""}
	evalDashboardPanel(t, "functions-overview.json", "Invocation rate by function", fns, fmtTest(
		expect("function_name", ".*", `{function_name="fn.openfaas-fn"}`, "8")))
	evalDashboardPanel(t, "functions-overview.json", "Errors by function", fns, fmtTest(
		expect("function_name, code", ".*", `{function_name="fn.openfaas-fn", code="502"}`, "2")))
}

func fmtTest(exprTests string) string {
	return fmt.Sprintf(duplicateScrapeSeries, duplicateCounters, exprTests)
}
