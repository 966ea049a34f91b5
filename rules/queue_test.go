package rules

import (
	"testing"
	"time"
)

// queueUnitTest is a promtool unit test of the queue rules on the 5 s
// rules: an rps function at zero with 3 messages waiting (pending 2 plus 1
// in flight in a worker) gets FunctionAtZeroWithLoad{scaling_type="queue"};
// a queue-type function at zero gets it from the generic rule only (no
// duplicate); a running rps function with a backlog gets nothing. two.fn
// receives on two queues, each reported by two worker replicas (instances
// a and b): its backlog is 10 + 30 = 40, the per-queue average summed (an
// average over all four series read 20, half of it).
const queueUnitTest = `rule_files: [rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'queue_worker_pending_messages{function_name="r.fn",queue_name="faas-request"}'
        values: '2x20'
      - series: 'queue_worker_function_invocation_inflight{function_name="r.fn"}'
        values: '1x20'
      - series: 'queue_worker_pending_messages{function_name="q.fn",queue_name="faas-request"}'
        values: '7x20'
      - series: 'queue_worker_pending_messages{function_name="up.fn",queue_name="faas-request"}'
        values: '9x20'
      - series: 'queue_worker_pending_messages{function_name="two.fn",queue_name="faas-request",instance="a"}'
        values: '10x20'
      - series: 'queue_worker_pending_messages{function_name="two.fn",queue_name="faas-request",instance="b"}'
        values: '10x20'
      - series: 'queue_worker_pending_messages{function_name="two.fn",queue_name="slow-queue",instance="a"}'
        values: '30x20'
      - series: 'queue_worker_pending_messages{function_name="two.fn",queue_name="slow-queue",instance="b"}'
        values: '30x20'
      - series: 'faas_autoscaler_function_target_load{function_name="r.fn",scaling_type="rps"}'
        values: '50x20'
      - series: 'faas_autoscaler_function_target_load{function_name="up.fn",scaling_type="rps"}'
        values: '50x20'
      - series: 'faas_autoscaler_function_target_load{function_name="q.fn",scaling_type="queue"}'
        values: '50x20'
      - series: 'faas_autoscaler_function_replicas{function_name="r.fn"}'
        values: '0x20'
      - series: 'faas_autoscaler_function_replicas{function_name="q.fn"}'
        values: '0x20'
      - series: 'faas_autoscaler_function_replicas{function_name="up.fn"}'
        values: '2x20'
      - series: 'faas_autoscaler_function_max_replicas{function_name="r.fn"}'
        values: '10x20'
      - series: 'faas_autoscaler_function_max_replicas{function_name="q.fn"}'
        values: '10x20'
      - series: 'faas_autoscaler_function_max_replicas{function_name="up.fn"}'
        values: '10x20'
    promql_expr_test:
      - expr: function_name:queue_worker_backlog:pending_plus_inflight
        eval_time: 30s
        exp_samples:
          - labels: 'function_name:queue_worker_backlog:pending_plus_inflight{function_name="q.fn"}'
            value: 7
          - labels: 'function_name:queue_worker_backlog:pending_plus_inflight{function_name="r.fn"}'
            value: 3
          - labels: 'function_name:queue_worker_backlog:pending_plus_inflight{function_name="up.fn"}'
            value: 9
          - labels: 'function_name:queue_worker_backlog:pending_plus_inflight{function_name="two.fn"}'
            value: 40
    alert_rule_test:
      - eval_time: 30s
        alertname: FunctionAtZeroWithLoad
        exp_alerts:
          - exp_labels: {function_name: q.fn, scaling_type: queue, direction: up, service: faas-autoscaler}
            exp_annotations: {load: "7", summary: "q.fn is at zero replicas with queue load 7"}
          - exp_labels: {function_name: r.fn, scaling_type: queue, direction: up, service: faas-autoscaler, trigger: queued}
            exp_annotations: {load: "3", summary: "r.fn is at zero replicas with 3 queued message(s)"}
`

// TestQueueRulesPromtool runs queueUnitTest with both promtools.
func TestQueueRulesPromtool(t *testing.T) {
	promtoolRulesTest(t, ForScrapeInterval(5*time.Second), []byte(queueUnitTest), "queue load and the at-zero alert")
}

// TestQueuedAtZeroOnlyWithQueueType: without the queue type selected there
// is no backlog record, so no rule may read it.
func TestQueuedAtZeroOnlyWithQueueType(t *testing.T) {
	o := ForScrapeInterval(5 * time.Second)
	o.Types = []string{TypeRPS}
	if _, ok := queuedAtZero(o); ok {
		t.Fatal("queued-at-zero rule generated without the queue type")
	}
}
