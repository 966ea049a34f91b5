// Package gatewaysim is a simulated OpenFaaS gateway: the provider REST API over
// a provider.Provider, the gateway's Prometheus metrics, and a per-function load
// generator whose requests are served only by available replicas. It backs the
// embedded default and the end-to-end tests.
package gatewaysim
