package promql

import "fmt"

// Gateway series the concurrency expression reads (reference/openfaas.md).
const (
	MetricInflight     = "gateway_function_invocation_inflight"
	MetricSecondsSum   = "gateway_functions_seconds_sum"
	MetricSecondsCount = "gateway_functions_seconds_count"
)

// Concurrency is each function's concurrency at an instant: the larger of
// the in-flight gauge (summed over gateway replicas) and the average
// concurrency over the last scrape interval from the gateway's duration
// histogram, the increase of its sum per second (irate over rateRange,
// which must hold two scrapes), but at most the requests that ended in the
// interval (idelta of its count).
//
// Why both: the gauge is sampled at each scrape, so a function called in
// one-second bursts shows in one 5 s sample in five, and a window that
// misses it lets the replicas go; the histogram sees every request that
// ended in the interval. The cap is there because the gateway adds a
// request's whole duration when it ends: a 60 s request would count as
// twelve at a 5 s scrape, while it kept one slot busy (the gauge sees long
// requests while they run). The OpenFaaS CE gateway has no in-flight gauge;
// there the histogram alone answers. A function with neither has no value
// (missing, not zero).
//
// Each part is told apart by a "part" label before the max (and the min),
// so that `or` keeps both rather than the first.
func Concurrency(rateRange string) string {
	seconds := fmt.Sprintf(`label_replace(sum by (function_name) (irate(%s[%s])), "part", "seconds", "", "")`, MetricSecondsSum, rateRange)
	requests := fmt.Sprintf(`label_replace(sum by (function_name) (clamp_min(idelta(%s[%s]), 0)), "part", "requests", "", "")`, MetricSecondsCount, rateRange)
	average := fmt.Sprintf(`label_replace(min by (function_name) (%s or %s), "part", "average", "", "")`, seconds, requests)
	gauge := fmt.Sprintf(`label_replace(sum by (function_name) (%s), "part", "gauge", "", "")`, MetricInflight)
	return fmt.Sprintf(`max by (function_name) (%s or %s)`, gauge, average)
}
