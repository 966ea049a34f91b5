// Package prometheus is the metrics source over the Prometheus HTTP API
// (client_golang api/prometheus/v1). Every question is asked for all
// functions at once, one PromQL query per purpose (`sum by (function_name)`),
// never one per function; a function with no series is absent from the
// answer, which is distinct from a value of 0. A question about a few
// functions (ActivityFor, LoadParts with refs: an idler window's
// functions, a follow-up's) names them in its selectors, up to 1,000
// (subset.go): Prometheus reads the series a query selects, so a query for
// all costs what every function's series cost. A rate (rps, cpu) is
// absent too while the function's series are stale (observedRate), and a
// cpu while a kubelet scraping its pods fails (observedCPU).
//
// Queries per call: Load runs 1 query. The capacity type's subquery steps
// at the gateway's scrape interval, which LastScrape reads from the
// coverage series in the background, at most once a minute (lastscrape.go,
// interval.go); the scaler times its passes by the same read. LoadParts
// (the scaler's) sends the capacity query without its last max, a series per
// function and part, and takes the max itself, so it can say which part won
// (metricsource.PartedLoad); Activity
// runs its queries concurrently. Queries carry no evaluation time, so
// Prometheus evaluates them at its own "now"; the clock (injected) is read
// for when the interval was last read, and for how long a window read in
// chunks took, by which its closing coverage read is widened (chunks.go).
//
// Instant vectors are decoded as their answer arrives, the series with
// only the labels the source reads (vector.go, answer.go, scan.go): at
// 100,000 functions an answer is 9.5 MB, never held whole.
//
// Errors: unreachable server, timeouts, 5xx and unexpected responses wrap
// metricsource.ErrUnavailable (callers treat every function as missing); a
// query Prometheus rejects (bad PromQL, e.g. a malformed coverage selector)
// is a plain error. An answer that says it may lack series (a warning other
// than a PromQL annotation: Thanos' partial response, a failed remote read;
// VictoriaMetrics' isPartial) fails its query with a
// *metricsource.PartialError (ErrUnavailable and ErrPartial), with one WARN
// a minute; LoadParts alone returns beside it the readings that are lower
// bounds of the load (rps, cpu, capacity's gauge part; partial.go).
package prometheus
