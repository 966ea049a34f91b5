package rules

import (
	"testing"
	"time"
)

// duplicateScrapeUnitTest: two gateway replicas (instances 10.0.0.5 and
// 10.0.0.6), each scraped by two jobs of one Prometheus (the chart's
// pod-annotation job and a ServiceMonitor), so every gateway series is
// stored twice, differing only in job. The replicas add up; the jobs must
// not:
//   - r.fn is called 6/s through one gateway and 4/s through the other:
//     rps 10 in both rate records; step mode's threshold of 15/s is not
//     crossed (the doubled 20/s crossed it);
//   - g.fn has 3 + 2 in flight: capacity 5;
//   - a.fn (no gauge) starts 4 + 2 calls/s of 1 s each: capacity 6 from
//     its arrivals, mean duration 1 s.
//
// Values are rounded to 0.001: a sum's order varies, and so its last bit.
//
// Seen failing before the dedupe: every record read twice its value (the
// mean, a ratio of two doubled sums, excepted) and FunctionStepRateHigh
// fired.
const duplicateScrapeUnitTest = `rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'gateway_function_invocation_total{function_name="r.fn",code="200",job="openfaas-pods",instance="10.0.0.5:8080"}'
        values: '0+30x40'
      - series: 'gateway_function_invocation_total{function_name="r.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.5:8080"}'
        values: '0+30x40'
      - series: 'gateway_function_invocation_total{function_name="r.fn",code="200",job="openfaas-pods",instance="10.0.0.6:8080"}'
        values: '0+20x40'
      - series: 'gateway_function_invocation_total{function_name="r.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.6:8080"}'
        values: '0+20x40'
      - series: 'gateway_function_invocation_inflight{function_name="g.fn",job="openfaas-pods",instance="10.0.0.5:8080"}'
        values: '3x40'
      - series: 'gateway_function_invocation_inflight{function_name="g.fn",job="gateway-servicemonitor",instance="10.0.0.5:8080"}'
        values: '3x40'
      - series: 'gateway_function_invocation_inflight{function_name="g.fn",job="openfaas-pods",instance="10.0.0.6:8080"}'
        values: '2x40'
      - series: 'gateway_function_invocation_inflight{function_name="g.fn",job="gateway-servicemonitor",instance="10.0.0.6:8080"}'
        values: '2x40'
      - series: 'gateway_function_invocation_started{function_name="a.fn",job="openfaas-pods",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_function_invocation_started{function_name="a.fn",job="gateway-servicemonitor",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_function_invocation_started{function_name="a.fn",job="openfaas-pods",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'gateway_function_invocation_started{function_name="a.fn",job="gateway-servicemonitor",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'gateway_functions_seconds_count{function_name="a.fn",code="200",job="openfaas-pods",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_functions_seconds_count{function_name="a.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_functions_seconds_count{function_name="a.fn",code="200",job="openfaas-pods",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'gateway_functions_seconds_count{function_name="a.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'gateway_functions_seconds_sum{function_name="a.fn",code="200",job="openfaas-pods",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_functions_seconds_sum{function_name="a.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.5:8080"}'
        values: '0+20x40'
      - series: 'gateway_functions_seconds_sum{function_name="a.fn",code="200",job="openfaas-pods",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'gateway_functions_seconds_sum{function_name="a.fn",code="200",job="gateway-servicemonitor",instance="10.0.0.6:8080"}'
        values: '0+10x40'
      - series: 'faas_autoscaler_function_target_load{function_name="r.fn",scaling_type="step"}'
        values: '15x40'
    promql_expr_test:
      - expr: round(function_name:gateway_function_invocation_total:rate20s, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="r.fn"}'
            value: 10
      - expr: round(function_name:gateway_function_invocation_total:irate20s, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="r.fn"}'
            value: 10
      - expr: round(function_name:gateway_functions_seconds:mean5m, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="a.fn"}'
            value: 1
      - expr: round(function_name:gateway_function_concurrency:max_over_time20s, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="a.fn"}'
            value: 6
          - labels: '{function_name="g.fn"}'
            value: 5
    alert_rule_test:
      - eval_time: 2m
        alertname: FunctionStepRateHigh
        exp_alerts: []
`

// TestDuplicateScrapeRulesPromtool runs duplicateScrapeUnitTest with both
// promtools on the 5 s rules.
func TestDuplicateScrapeRulesPromtool(t *testing.T) {
	promtoolRulesTest(t, ForScrapeInterval(5*time.Second), []byte(duplicateScrapeUnitTest), "a gateway scraped by two jobs counted once")
}

// duplicateQueueUnitTest: two JetStream queue-worker replicas (instances
// 10.0.1.5 and 10.0.1.6) of one queue, each scraped by two jobs, so every
// queue-worker series is stored twice, differing only in job. q.fn, a
// queue-type function at zero, has 6 messages waiting (the queue's
// backlog, which every worker replica reports) and 2 + 1 running: its
// backlog is 9, and the at-zero alert sends 9 as its load.
//
// Seen failing before the in-flight gauge was taken once per worker: the
// record and the alert's load read 12 (6 + the doubled 3 + 3). The pending
// gauge needs no dedupe: its copies are averaged per queue.
const duplicateQueueUnitTest = `rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'queue_worker_pending_messages{function_name="q.fn",queue_name="faas-request",job="openfaas-pods",instance="10.0.1.5:8081"}'
        values: '6x20'
      - series: 'queue_worker_pending_messages{function_name="q.fn",queue_name="faas-request",job="queue-worker-podmonitor",instance="10.0.1.5:8081"}'
        values: '6x20'
      - series: 'queue_worker_pending_messages{function_name="q.fn",queue_name="faas-request",job="openfaas-pods",instance="10.0.1.6:8081"}'
        values: '6x20'
      - series: 'queue_worker_pending_messages{function_name="q.fn",queue_name="faas-request",job="queue-worker-podmonitor",instance="10.0.1.6:8081"}'
        values: '6x20'
      - series: 'queue_worker_function_invocation_inflight{function_name="q.fn",job="openfaas-pods",instance="10.0.1.5:8081"}'
        values: '2x20'
      - series: 'queue_worker_function_invocation_inflight{function_name="q.fn",job="queue-worker-podmonitor",instance="10.0.1.5:8081"}'
        values: '2x20'
      - series: 'queue_worker_function_invocation_inflight{function_name="q.fn",job="openfaas-pods",instance="10.0.1.6:8081"}'
        values: '1x20'
      - series: 'queue_worker_function_invocation_inflight{function_name="q.fn",job="queue-worker-podmonitor",instance="10.0.1.6:8081"}'
        values: '1x20'
      - series: 'faas_autoscaler_function_target_load{function_name="q.fn",scaling_type="queue"}'
        values: '50x20'
      - series: 'faas_autoscaler_function_replicas{function_name="q.fn"}'
        values: '0x20'
      - series: 'faas_autoscaler_function_max_replicas{function_name="q.fn"}'
        values: '10x20'
    promql_expr_test:
      - expr: function_name:queue_worker_backlog:pending_plus_inflight
        eval_time: 30s
        exp_samples:
          - labels: 'function_name:queue_worker_backlog:pending_plus_inflight{function_name="q.fn"}'
            value: 9
    alert_rule_test:
      - eval_time: 30s
        alertname: FunctionAtZeroWithLoad
        exp_alerts:
          - exp_labels: {function_name: q.fn, scaling_type: queue, direction: up, service: faas-autoscaler}
            exp_annotations: {load: "9", summary: "q.fn is at zero replicas with queue load 9"}
`

// TestDuplicateScrapeQueueRulesPromtool runs duplicateQueueUnitTest with
// both promtools on the 5 s rules.
func TestDuplicateScrapeQueueRulesPromtool(t *testing.T) {
	promtoolRulesTest(t, ForScrapeInterval(5*time.Second), []byte(duplicateQueueUnitTest), "a queue worker scraped by two jobs counted once")
}

// duplicateCPUUnitTest: two pods of c.fn (0.5 and 0.25 of a core), their
// kubelet scraped by two jobs of one Prometheus, so every pod's counter is
// stored twice, differing only in job. The pods add up; the jobs must not:
// 0.75 in both CPU records.
//
// Seen failing before the dedupe (found by a review): both records read
// 1.5, twice the load, and a CPU-scaled function got twice the replicas.
const duplicateCPUUnitTest = `rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'pod_cpu_usage_seconds_total{function_name="c.fn",namespace="openfaas-fn",pod="c-1",job="kubelet",instance="node-1"}'
        values: '0+2.5x40'
      - series: 'pod_cpu_usage_seconds_total{function_name="c.fn",namespace="openfaas-fn",pod="c-1",job="kubelet-resource",instance="node-1"}'
        values: '0+2.5x40'
      - series: 'pod_cpu_usage_seconds_total{function_name="c.fn",namespace="openfaas-fn",pod="c-2",job="kubelet",instance="node-2"}'
        values: '0+1.25x40'
      - series: 'pod_cpu_usage_seconds_total{function_name="c.fn",namespace="openfaas-fn",pod="c-2",job="kubelet-resource",instance="node-2"}'
        values: '0+1.25x40'
    promql_expr_test:
      - expr: round(function_name:pod_cpu_usage_seconds_total:rate1m, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="c.fn"}'
            value: 0.75
      - expr: round(function_name:pod_cpu_usage_seconds_total:irate1m, 0.001)
        eval_time: 2m
        exp_samples:
          - labels: '{function_name="c.fn"}'
            value: 0.75
`

// TestDuplicateScrapeCPURulesPromtool runs duplicateCPUUnitTest with both
// promtools on the 5 s rules.
func TestDuplicateScrapeCPURulesPromtool(t *testing.T) {
	promtoolRulesTest(t, ForScrapeInterval(5*time.Second), []byte(duplicateCPUUnitTest), "a kubelet scraped by two jobs counted once")
}
