// Package footprint measures the controller process's memory with many
// functions: the real binary (`faas-autoscaler run`) against the simulated
// gateway (`faas-autoscaler gateway`) scraped by a real Prometheus, with the
// default configuration, its resident set sampled from /proc; or, with
// FOOTPRINT_PROVIDER=memory, the binary holding the functions itself
// (`run --provider memory --functions-file`). The functions are idle unless
// FOOTPRINT_LOAD gives every one a load pattern (the gateway's --load), so
// that the keep-alive's idle-time histories fill: a called fleet, paced by
// FOOTPRINT_LEARN_STEP and FOOTPRINT_SCRAPE_INTERVAL, its reads bounded by
// FOOTPRINT_KEEPALIVE_READ_TIMEOUT and FOOTPRINT_PROMETHEUS_TIMEOUT (see
// settings). With FOOTPRINT_RESTART_AFTER the controller is stopped and
// started again partway, as a rollout does, and the second process, which
// rebuilds the keep-alive from Prometheus' history, is measured. With
// FOOTPRINT_HEAP_PROFILE=FILE it saves the controller's heap profile (from
// its --debug-listen) at the end, to see what holds the memory. With a
// Prometheus it also logs the share of the gateway's scrapes that succeeded
// and the controller's failed reads: a run whose Prometheus could not scrape
// the gateway measured a controller with little to read. TestFootprint
// only runs with FAAS_FOOTPRINT_BENCH=1 (make bench-footprint), so `make
// test` skips it; the figures are in docs/benchmarks.md.
package footprint
