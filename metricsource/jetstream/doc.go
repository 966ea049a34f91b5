// Package jetstream reads every function's asynchronous backlog straight from
// NATS JetStream, for clusters whose queue worker exports no per-function
// metrics: one consumer-list request (one per 256 consumers, the server's
// page size; each page after the first starts with the last consumer of the
// page before, to see a shift) answers for all functions, as KEDA's
// nats-jetstream scaler reads consumer lag. A function's backlog is its
// consumer's undelivered messages plus those delivered and not yet
// acknowledged (num_pending + num_ack_pending): work waiting or running. The
// consumer is mapped to its function by its filter subject,
// <subject>.<name>.<namespace> (the function's qualified name under the
// stream's subject). A function without a consumer
// is absent from the answer: missing, never zero. It implements
// metricsource.QueueReader; metricsource.WithQueue joins it to the
// Prometheus source.
package jetstream
