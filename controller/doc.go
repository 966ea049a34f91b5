// Package controller is the one controller assembly: from one configuration
// (package config) and its dependencies (a provider, a metrics source, a
// clock, a registry) it builds the actuator, the scaler's reconcile loop,
// the idler, the adaptive keep-alive (policy, feeder, pre-warmer) and the
// HTTP endpoints, wired the same way for `run`, the embedded default, the
// e2e harness and the trace simulator, so what is measured is what ships.
package controller
