package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// cpuRemovedUnitTest: a function scaled down from 3 pods to 2 under an
// unchanged load of 900m. The kubelet samples pod CPU every 10 s (the
// OpenFaaS chart's resource-metrics scrape) with explicit timestamps, so
// the removed pod c gets no staleness marker: its series just ends at
// 290 s. Pods a and b take over its 300m from 300 s on (450m each). The
// scale-up threshold on 2 replicas of 500m is 2 × 500 × 1.1 = 1100m.
//
// Without the freshness guard irate() over the minute kept c's last 300m
// until its last two samples left the window (340 s), on top of a and b's
// 900m: the fresh record read 1200m and FunctionLoadAboveTarget fired
// right after every scale-down (a flap). With it c is gone once its last
// sample is older than CPUFreshBound (35 s): from 326 s on.
//
// The second group is a healthy pod sampled every 15 s (the slowest
// interval the default minute is sized for), read just before each of its
// next samples: it is always counted.
const cpuRemovedUnitTest = `rule_files: [rules.yml]
evaluation_interval: 1s
tests:
  - interval: 10s
    input_series:
      - series: 'pod_cpu_usage_seconds_total{function_name="fn.openfaas-fn",namespace="openfaas-fn",pod="fn-a",job="kubelet",instance="node-1"}'
        values: '1000+3x29 1091.5+4.5x30'
      - series: 'pod_cpu_usage_seconds_total{function_name="fn.openfaas-fn",namespace="openfaas-fn",pod="fn-b",job="kubelet",instance="node-2"}'
        values: '2000+3x29 2091.5+4.5x30'
      - series: 'pod_cpu_usage_seconds_total{function_name="fn.openfaas-fn",namespace="openfaas-fn",pod="fn-c",job="kubelet",instance="node-3"}'
        values: '3000+3x29'
      - series: 'faas_autoscaler_function_target_load{function_name="fn.openfaas-fn",scaling_type="cpu"}'
        values: '500x60'
      - series: 'faas_autoscaler_function_replicas{function_name="fn.openfaas-fn"}'
        values: '3x29 2x30'
      - series: 'faas_autoscaler_function_min_replicas{function_name="fn.openfaas-fn"}'
        values: '1x60'
      - series: 'faas_autoscaler_function_max_replicas{function_name="fn.openfaas-fn"}'
        values: '10x60'
    promql_expr_test:
      # Three pods before the scale-down.
      - expr: round(job:function_fresh_load:max{scaling_type="cpu"})
        eval_time: 250s
        exp_samples:
          - labels: '{function_name="fn.openfaas-fn", scaling_type="cpu"}'
            value: 900
%s
    alert_rule_test:
      - eval_time: 330s
        alertname: FunctionLoadAboveTarget
        exp_alerts: []
      - eval_time: 339s
        alertname: FunctionLoadAboveTarget
        exp_alerts: []
  - interval: 15s
    input_series:
      - series: 'pod_cpu_usage_seconds_total{function_name="slow.openfaas-fn",namespace="openfaas-fn",pod="slow-a",job="kubelet",instance="node-1"}'
        values: '1000+3x40'
    promql_expr_test:
%s
`

// cpuAt is a promql_expr_test case: expr (one series labelled labels) is
// want at t. promtool 2.x compares values exactly, so the rates are
// rounded to whole milli-CPU.
func cpuAt(expr, labels string, t time.Duration, want float64) string {
	return fmt.Sprintf(`      - expr: %s
        eval_time: %s
        exp_samples:
          - labels: '%s'
            value: %s
`, expr, Duration(t), labels, formatFloat(want))
}

func TestFreshCPUDropsARemovedPod(t *testing.T) {
	o := Defaults()
	if b := CPUFreshBound(o); b != 35*time.Second {
		t.Fatalf("CPUFreshBound(defaults) = %s; the scenario's times assume 35s", b)
	}
	var removed, healthy strings.Builder
	irate := "round(1000 * " + builtinLoad(o, TypeCPU).Fresh + ")"
	// Once c's last sample (290 s) is older than the bound: a and b only,
	// and the fresh load (the larger of irate and the window's rate, whose
	// extrapolation reads a little over 900m) below the threshold.
	for s := 326; s <= 345; s++ {
		at := time.Duration(s) * time.Second
		removed.WriteString(cpuAt(irate, `{function_name="fn.openfaas-fn"}`, at, 900))
		removed.WriteString(cpuAt(`job:function_fresh_load:max{scaling_type="cpu"} < bool 1100`,
			`{function_name="fn.openfaas-fn", scaling_type="cpu"}`, at, 1))
	}
	// The slow pod just before each next sample (14 s old) and just after.
	for s := 75; s <= 585; s += 15 {
		for _, at := range []int{s, s + 14} {
			healthy.WriteString(cpuAt(irate, `{function_name="slow.openfaas-fn"}`, time.Duration(at)*time.Second, 200))
		}
	}
	promtoolRulesTest(t, o, []byte(fmt.Sprintf(cpuRemovedUnitTest, removed.String(), healthy.String())), "fresh cpu load after a pod's removal")
}

// TestCPUFreshBoundKeepsHealthyPods: for every scrape interval's defaults
// the bound holds a pod sampled at a quarter of the CPU window whose
// samples are KubeletStatsAge old when scraped, and it is shorter than
// irate()'s own hold of an ended series (the window less one interval),
// or the guard would change nothing.
func TestCPUFreshBoundKeepsHealthyPods(t *testing.T) {
	for s := time.Second; s <= time.Minute; s += time.Second {
		o := ForScrapeInterval(s)
		b, slowest := CPUFreshBound(o), o.CPUWindow/4
		if b <= slowest+KubeletStatsAge {
			t.Errorf("scrape %s: bound %s drops a healthy pod sampled every %s with %s old stats", s, b, slowest, KubeletStatsAge)
		}
		if b >= o.CPUWindow-slowest {
			t.Errorf("scrape %s: bound %s is no shorter than irate's hold %s over the %s window", s, b, o.CPUWindow-slowest, o.CPUWindow)
		}
	}
}
