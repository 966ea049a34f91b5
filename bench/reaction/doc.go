// Package reaction measures how fast the loop closes on the real stack: the
// same load step (0 → 200 rps, target 50 per replica, 2 s cold start) against
// OpenFaaS CE as shipped and faas-autoscaler at 1 s and 5 s scrape, each run
// on its own Prometheus, AlertManager, simulated gateway and controller
// (package e2e). TestReaction is the benchmark; it only runs with
// FAAS_REACTION_BENCH=1 (make bench-reaction), so `make test` runs just the
// measurement maths. Results are in docs/benchmarks.md.
package reaction
