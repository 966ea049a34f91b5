// Package metricsource answers the questions the scaler and the idler ask about
// functions' load and activity, for all functions at once: one query per
// purpose, never one per function. Two implementations: Prometheus through its
// HTTP API (subpackage prometheus), and an embedded source that scrapes a
// gateway's /metrics itself for running without a Prometheus server
// (subpackage embedded; also fed directly by the trace simulator). A function
// with no series is absent from the answer; absence ("missing") is never
// reported as zero.
package metricsource
