package promql

import "fmt"

// MetricQueuePending is the JetStream queue-worker's gauge of messages
// waiting, labelled queue_name and function_name (reference/openfaas.md).
const MetricQueuePending = "queue_worker_pending_messages"

// QueuePending is each function's messages waiting, over all its queues:
// the average per queue, summed over queue_name. Every queue-worker
// replica reading a queue reports the same stream's backlog, so the
// replicas of one queue are averaged (as OpenFaaS Pro's rule does); a
// function that receives on two queues has two backlogs, which add up. An
// average over all of a function's series halved the backlog of a
// function on two queues. matchers (e.g. `function_name="$function"`, or
// "") select the series. The rules, the metrics source and the dashboards
// read it alike.
func QueuePending(matchers string) string {
	sel := MetricQueuePending
	if matchers != "" {
		sel += "{" + matchers + "}"
	}
	return fmt.Sprintf("sum by (function_name) (avg by (function_name, queue_name) (%s))", sel)
}

// MetricQueueInflight is the queue worker's gauge of messages it is
// running, labelled function_name.
const MetricQueueInflight = "queue_worker_function_invocation_inflight"

// QueueBacklog is each function's unfinished asynchronous work: its
// messages waiting (QueuePending) plus those the workers run. In flight is
// per worker, so the workers add up, each once however many jobs scrape it
// (a worker pod is one instance, as a gateway pod is: SumOverGateways); a
// function without the in-flight gauge still yields its waiting count. The
// generated record and the Prometheus source read this one expression.
func QueueBacklog() string {
	pending := QueuePending("")
	return fmt.Sprintf("(%[1]s + on (function_name) %[2]s) or %[1]s", pending, SumOverGateways(MetricQueueInflight, false))
}
