// Package history measures the keep-alive's rebuild from history at start
// (keepalive.RebuildWithin, as controller.Learn calls it) against a real
// Prometheus holding a whole day of a fleet's gateway metrics.
//
// The footprint bench (bench/footprint) restarts the controller after tens
// of minutes of a simulated gateway: its Prometheus holds no more history
// than that, and the cost of reading a day, which grows with the samples
// Prometheus decodes, was never measured. Here a synthetic day (writeDay:
// rare, medium and busy functions, their calls as Poisson arrivals, a
// gateway scraped every 15 s) is written as TSDB blocks, Debian's
// Prometheus is started on them, and the rebuild reads them as it would
// at a restart: how much of the day it reads within
// keep_alive.rebuild_timeout, and what each of its queries costs.
//
// It is a module of its own because writing TSDB blocks needs
// github.com/prometheus/prometheus, which the controller must not depend
// on. It is not part of `make test`: `make bench-history` runs it.
package history
