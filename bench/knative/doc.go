// Command knative runs Knative Serving's real KPA decider
// (knative.dev/serving v0.42.2, pkg/autoscaler/scaling) inside the
// faas-autoscaler trace simulator and writes results that
// `faas-autoscaler sim --include` merges into its table and charts.
//
// It is a module of its own so that the controller's go.mod never pulls
// Knative's dependency graph (about 540 packages, ~2 minutes of cold build).
// v0.42.2 is the newest knative.dev/serving whose dependencies the module
// proxy here serves (peers.md §1).
package main
