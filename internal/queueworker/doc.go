// Package queueworker is the test stack's asynchronous path, as OpenFaaS runs
// it on NATS JetStream: a Publisher that the simulated gateway's
// /async-function/{name} route uses to put a request on the stream (one
// subject per function, with the OpenFaaS headers), and a Worker that
// consumes each function's subject through its own durable pull consumer,
// runs at most MaxInflight messages per ready replica at once, calls the
// function, acknowledges on success and asks for a redelivery otherwise. The
// Worker exports the JetStream queue-worker's metrics
// (queue_worker_pending_messages{queue_name,function_name},
// queue_worker_function_invocation_inflight{function_name},
// queue_worker_messages_processed_total{function_name}) so the controller
// can scale on them through Prometheus, or read the same backlog from the
// stream itself (metricsource/jetstream).
package queueworker
