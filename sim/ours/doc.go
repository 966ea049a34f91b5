// Package ours runs faas-autoscaler's own code inside the trace simulator:
// per function, the scaler's reconcile loop (scaler.NewLoop, Tick) for 1↔N,
// the idler's cycle (idler.New, RunOnce) with the adaptive keep-alive of
// package keepalive for N→0, the keep-alive's pre-warm loop (PreWarmer)
// for 0→1 before predicted invocations, and the embedded metrics source
// (metricsource/embedded, fed through Observe with the samples a gateway
// scrape would give). Nothing of our policy is re-implemented here: this
// package only adapts the simulated platform to the controller's interfaces
// (a provider over the simulated replicas, a virtual clock) and plays the
// gateway's scale-from-zero on the first request to a function at zero.
package ours
