// Package promql holds PromQL expressions that more than one package
// writes: the Prometheus metrics source queries them, and the generated
// recording rules record them, so that the alerts wake the controller for
// the load its own query sees.
package promql
