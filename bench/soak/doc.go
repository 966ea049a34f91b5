// Package soak is the long-running test of the controller on the real stack
// (issue 15): 1,000 functions behind the simulated gateway, a real Prometheus
// and AlertManager, the controller binary, load that changes every minute and
// alert storms posted to the webhook, for SOAK_DURATION (30 min by default).
// It samples the controller's goroutines, heap, RSS and open file
// descriptors from its own /metrics, and the webhook's p99 latency as a
// client sees it, and writes them as a CSV and an SVG chart (a typed
// generator, golden-tested like the repository's other charts).
//
// It reports; it asserts nothing about the figures (a leak is read off the
// chart and the table in docs/reliability.md). It fails only when the
// harness cannot run or the controller dies. Run it with `make soak`; it is
// not part of `make test`.
package soak
