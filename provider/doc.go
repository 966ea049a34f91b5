// Package provider is the one interface over the systems that hold a function's
// replicas: the OpenFaaS provider/gateway REST API (provider/openfaas), Kubernetes
// Deployments (provider/kubernetes) and an in-memory implementation
// (provider/memory) for tests, the embedded default and the trace simulator.
// It also owns the function reference type shared by every package, because
// the OpenFaaS `function_name` label ("name.namespace") is the join key between
// Prometheus series, AlertManager alerts and provider calls. It never decides.
package provider
