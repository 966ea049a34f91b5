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
