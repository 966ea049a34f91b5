package dashboards

import "testing"

// TestLoadVsCapacityDrawsBothAlertsLoads: "Load vs capacity" draws the
// scale-up alert's fresh load and, beside it, the window's load the
// scale-down alert compares, each under its own legend. web runs rps, idle
// until 100 s, then 100 calls/s: at 106 s the fresh line has the step in
// full (the last scrape interval's rate), the window line about a quarter
// of it (the 20 s rate, extrapolated, one scrape of the step in: 25 under
// Prometheus 2's range selectors, 26.7 under 3's left-open ones; the CI's
// Debian promtool 2.42 read 25 where promtool 3 read 26.7, so the test
// takes either: between 20 and 30, well under the capacity of 50),
// and by 130 s, the window filled, both read 100.
func TestLoadVsCapacityDrawsBothAlertsLoads(t *testing.T) {
	evalPanel(t, "Load vs capacity", map[string]string{"rps": "web.openfaas-fn"}, `rule_files: [rules.yml, panel.yml]
evaluation_interval: 1s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{code="200",function_name="web.openfaas-fn",instance="gw:8082",job="gateway"}'
        values: '0x20 500+500x15'
      - series: 'up{instance="gw:8082",job="gateway"}'
        values: '1x40'
      - series: 'process_start_time_seconds{instance="gw:8082",job="gateway"}'
        values: '-86400x40'
      - series: 'faas_autoscaler_function_target_load{function_name="web.openfaas-fn",scaling_type="rps"}'
        values: '50x40'
      - series: 'faas_autoscaler_function_replicas{function_name="web.openfaas-fn"}'
        values: '1x40'
    promql_expr_test:
      - expr: 'max by (fn, scaling_type) (panel_target{legend="load ({{scaling_type}}, scale-up alert)"})'
        eval_time: 106s
        exp_samples:
          - {labels: '{fn="rps",scaling_type="rps"}', value: 100}
      - expr: '((max by (fn, scaling_type) (panel_target{legend="load ({{scaling_type}}, window: scale-down)"}) > 20) < 30) * 0 + 1'
        eval_time: 106s
        exp_samples:
          - {labels: '{fn="rps",scaling_type="rps"}', value: 1}
      - expr: min by (fn) (panel_target{legend=~"load.*"})
        eval_time: 130s
        exp_samples:
          - {labels: '{fn="rps"}', value: 100}
`)
}
