package promql

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Gateway series the capacity expression reads (reference/openfaas.md).
const (
	MetricInflight     = "gateway_function_invocation_inflight"
	MetricStarted      = "gateway_function_invocation_started"
	MetricTotal        = "gateway_function_invocation_total"
	MetricSecondsSum   = "gateway_functions_seconds_sum"
	MetricSecondsCount = "gateway_functions_seconds_count"
)

// MeanDurationWindow is the range of a function's mean request duration in
// the capacity load: long enough that a rare long request is averaged in
// rather than a spike (Azure's functions have a p100 100–1,000× their
// p99), the usual range of a latency average. The embedded source uses the
// same.
const MeanDurationWindow = 5 * time.Minute

// CapacityPeak is each function's concurrency peak over window (a subquery
// at step): the larger of
//   - the in-flight gauge's peak (summed over gateway replicas before the
//     peak: a sum of per-gateway peaks would overstate), and
//   - the concurrency the arrivals of a scrape interval bring, at its peak:
//     each arrival counts for min(mean duration, interval) ÷ interval, at
//     most one. That is the started counter's rate over the last interval
//     (irate over rateRange, which must hold two scrapes) × the mean
//     duration over MeanDurationWindow from the duration histogram, but at
//     most the interval's arrivals (idelta). Gateways without the started
//     counter use the invocation counter.
//
// Why both: the gauge is sampled at each scrape, so a function called in
// one-second bursts shows in one 5 s sample in five, and a window that
// misses it lets the replicas go; the counter sees every burst. Little's
// law (rate × mean duration) makes the count a load. The histogram is read
// as a mean over minutes, not per interval: the gateway adds a request's
// whole duration when it ends, so one long request among many short ones
// would count its minute in one 5 s interval. The OpenFaaS CE gateway has
// no in-flight gauge; there the arrivals answer alone. With no request
// ended within MeanDurationWindow there is no mean and no arrivals part
// (missing, not zero).
//
// Unlike the embedded source, which weighs each interval by the mean at
// its scrape, the mean here is the one at the query's time: a mean per
// subquery step would read MeanDurationWindow of samples at every step.
func CapacityPeak(window, step, rateRange string) string {
	mean := fmt.Sprintf(`(sum by (function_name) (rate(%s[%s])) / (sum by (function_name) (rate(%s[%s])) > 0))`,
		MetricSecondsSum, model.Duration(MeanDurationWindow), MetricSecondsCount, model.Duration(MeanDurationWindow))
	perCounter := func(expr string) string { // expr has one %s for the counter
		return fmt.Sprintf(`(sum by (function_name) (`+expr+`) or sum by (function_name) (`+expr+`))`, MetricStarted, MetricTotal)
	}
	rate := perCounter(`irate(%s[` + rateRange + `])`)
	arrivals := perCounter(`clamp_min(idelta(%s[` + rateRange + `]), 0)`)
	peak := func(expr string) string { return fmt.Sprintf(`max_over_time(%s[%s:%s])`, expr, window, step) }
	part := func(expr, name string) string {
		return fmt.Sprintf(`label_replace(%s, "part", %q, "", "")`, expr, name)
	}
	fromArrivals := fmt.Sprintf(`min by (function_name) (%s or %s)`,
		part(peak(rate)+" * on (function_name) "+mean, "rate"),
		part(peak(arrivals)+" and on (function_name) "+mean, "arrivals"))
	gauge := peak(fmt.Sprintf(`(sum by (function_name) (%s))`, MetricInflight))
	return fmt.Sprintf(`max by (function_name) (%s or %s)`, part(gauge, "gauge"), part(fromArrivals, "arrivals"))
}
