// Package provider is the one interface over the systems that hold a function's
// replicas: the OpenFaaS provider/gateway REST API (provider/openfaas), Kubernetes
// Deployments (provider/kubernetes) and an in-memory implementation
// (provider/memory) for tests, the embedded default and the trace simulator.
// It also owns the function reference type shared by every package, because
// the OpenFaaS `function_name` label ("name.namespace") is the join key between
// Prometheus series, AlertManager alerts and provider calls. Instrument wraps
// any Provider with call metrics (faas_autoscaler_provider_calls_total and
// faas_autoscaler_provider_call_duration_seconds); Result classifies an error
// into the result label, and the Op* and Result* constants are the label
// values. It never decides.
package provider
