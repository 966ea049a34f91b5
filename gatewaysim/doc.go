// Package gatewaysim is a simulated OpenFaaS gateway: the provider REST API over
// a provider.Provider, the gateway's Prometheus metrics, and a per-function load
// generator whose requests are served only by available replicas. It advances in
// steps (Config.Step); a step's arrivals are spread evenly over it and each holds
// a replica's slot for exactly its Duration, so the in-flight gauge (and
// started − total) reads rate × duration, as on a real gateway. It backs the
// embedded default and the end-to-end tests.
package gatewaysim
