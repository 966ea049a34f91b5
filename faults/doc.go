// Package faults is the fault-injection suite (issue 15): the real stack of
// package e2e (simulated gateway, real Prometheus and AlertManager, the
// controller binary) with a fault proxy (internal/faultproxy) between the
// controller and the gateway and between the controller and Prometheus.
// One test runs the storms in sequence — gateway refused and black-holed,
// Prometheus refused, Prometheus stopped and restarted on the same storage,
// the controller SIGKILLed mid-burst and mid-idle, and a storm of hostile
// HTTP clients — and checks after each the invariants: no function with
// load at zero, no replica count out of bounds, recovery within one
// evaluation once the fault clears, and the controller's goroutines, file
// descriptors and RSS back to baseline. `make test-faults` runs it alone.
package faults
