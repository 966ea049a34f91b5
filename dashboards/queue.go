package dashboards

//lint:file-ignore SA1019 dashboard (v1) JSON is deliberate: Grafana's classic file provisioning reads v1, not the v2 resource schema.

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// Asynchronous work of one function, from the JetStream queue-worker's
// metrics: what waits, what runs, how fast it drains, and how long the
// backlog will take at that pace. The queue worker exports no message ages,
// so the oldest message's age is not shown; the time to drain is the wait
// a message published now can expect.

func queueBacklogPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	return timeSeries(id, "Async backlog", "Messages waiting in the queue and messages the queue workers are running for this function. Their sum is the queue scaling type's load; a backlog at zero replicas wakes the function, and the idler never idles it while the backlog is above zero.", "short", pos,
		// Per queue averaged over the worker replicas, summed over the
		// function's queues (promql.QueuePending), as the load reads it.
		query{promql.QueuePending(fn), "waiting"},
		// Each worker replica once, however many jobs scrape it: a worker
		// pod is one instance, as a gateway pod is (promql.SumOverGateways).
		query{promql.SumOverGatewaysBy("", `queue_worker_function_invocation_inflight{`+fn+`}`, false), "running"})
}

func queueDrainPanel(id uint32, pos dashboard.GridPos) *timeseriesPanel {
	// Each worker replica's rate once, as the running line.
	drained := `rate(queue_worker_messages_processed_total{` + fn + `}[$__rate_interval])`
	return timeSeries(id, "Async drain rate and time to drain", "Messages processed and acknowledged per second, and the waiting backlog divided by that rate: how long a message published now waits at the current pace.", "short", pos,
		query{promql.SumOverGatewaysBy("", drained, false), "drained/s"},
		query{promql.QueuePending(fn) + ` / on (function_name) ` + promql.SumOverGateways(drained, false), "time to drain (s)"}).
		OverrideByQuery(refID(1), unitOverride("s")) // seconds, beside a rate
}
