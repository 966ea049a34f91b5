// Command faas-autoscaler is the autoscaling and scale-to-zero controller for
// OpenFaaS-style function platforms. This package only wires: flags and
// environment variables become validated configuration (config.go,
// config_validate.go, flags.go), the chosen provider and metrics source are
// built (wire_*.go), and the scaler, idler, keep-alive and webhook run behind
// one HTTP server (run.go, run_serve.go).
// The embedded default (embedded.go, view.go) tells a one-minute story on a
// simulated gateway. Every decision is made in the packages it wires.
package main
