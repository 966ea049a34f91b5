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
	MetricSecondsSum   = "gateway_functions_seconds_sum"
	MetricSecondsCount = "gateway_functions_seconds_count"
)

// MeanDurationWindow is the range of a function's mean request duration in
// the capacity load: long enough that a rare long request is averaged in
// rather than a spike (Azure's functions have a p100 100–1,000× their
// p99), the usual range of a latency average. The embedded source uses the
// same.
const MeanDurationWindow = 5 * time.Minute

// MeanDuration is each function's mean request duration over
// MeanDurationWindow, from the gateway's duration histogram; matchers (e.g.
// `function_name="$function"`, or "") select the functions. A function
// that ended no request in the window has none (no division by zero).
// A gateway scraped twice (SumOverGateways) doubles both sums and leaves
// the ratio as it is, so the mean reads every series as it comes: cheaper
// than collapsing the copies of 5 minutes of two counters.
func MeanDuration(matchers string) string {
	w := model.Duration(MeanDurationWindow).String()
	sel := func(metric string) string {
		if matchers == "" {
			return metric
		}
		return metric + "{" + matchers + "}"
	}
	return fmt.Sprintf(`(sum by (function_name) (rate(%s[%s])) / (sum by (function_name) (rate(%s[%s])) > 0))`,
		sel(MetricSecondsSum), w, sel(MetricSecondsCount), w)
}

// RecordedMeanDuration is the mean a recorded MeanDuration (record: the
// series' name) gives, and, for a function the record has not reached yet,
// the mean of every request its gateways' counters hold (their sum over
// their count, instant selectors: no range read at every evaluation). A
// function whose requests begin to end (new, back after MeanDurationWindow
// without an ended request, woken from zero) has no record until the
// record's group next runs (every 15 s), and CapacityParts, with no mean,
// read every arrival of the window as one in flight: 160 where the source,
// reading the mean live, read 1 (20 calls/s of 50 ms; a review's finding),
// and the scale-up alert fired for a load the controller never sees. The
// counters' whole-life mean stands in for those seconds only; unlike a
// rate it needs one sample, not two.
func RecordedMeanDuration(record string) string {
	return fmt.Sprintf(`(%s or on (function_name) (sum by (function_name) (%s) / (sum by (function_name) (%s) > 0)))`,
		record, MetricSecondsSum, MetricSecondsCount)
}

// CapacityPeak is each function's concurrency peak over window (a subquery
// at step, with the instant value: see Peak): the larger of
//   - the in-flight gauge's peak (summed over gateway replicas before the
//     peak: a sum of per-gateway peaks would overstate), and
//   - the concurrency the arrivals of a scrape interval bring at its peak:
//     the started counter's rate over the last interval (irate over
//     rateRange, which must hold two scrapes, of the series still
//     exported) × the mean duration over
//     MeanDurationWindow from the duration histogram, but no more than
//     the arrivals within the window and the interval before it (an
//     arrival is one request in flight at most).
//
// Why both: the gauge is sampled at each scrape, so a function called in
// one-second bursts shows in one 5 s sample in five, and a window that
// misses it lets the replicas go; the counter sees every burst. Little's
// law (rate × mean duration) makes the count a load. The histogram is read
// as a mean over minutes, not per interval: the gateway adds a request's
// whole duration when it ends, so one long request among many short ones
// would count its minute in one 5 s interval. The OpenFaaS CE gateway has
// no in-flight gauge; there the arrivals answer alone. Without the started
// counter (gateways older than it) or the duration histogram there is no
// arrivals part (missing, not zero) and the gauge answers alone.
//
// A new series' first value: the gateway creates a function's started
// counter at its first call, so the first scrape of a gateway pod a
// rolling update has just started (a new instance), or of a function's
// first calls through a replica, can already count a burst, which irate()
// and increase() never counted (they start from a series' first sample):
// 20 long calls through a new gateway pod read 0 in flight for their
// length. Where the series' target shows that it counted from zero within
// the range read (newseries.go: a successful scrape without it, or its
// process started since), its value counts: in the rate part, while
// irate() has nothing for it, as the arrivals since its target's scrape
// before (one scrape interval where none was missed; rateRange when
// unknown, which reads a lower rate, never a higher one), as the embedded
// source counts a new series' first value,
// or, where only the process's start says it is new, of the time from
// the start to its scrape, at least one interval (FirstSampleSpan); in
// the cap, its value now in place of its increase() (NewStartedSeries). A series new to the query that can hold
// old calls (Prometheus down or restarted with an empty TSDB, a gateway
// whose scrapes all failed, for longer than the lookback) is left out, as
// before: counted, every function on the gateway would read its history as
// one burst.
//
// The cap part requires the histogram's series seen within
// MeanDurationWindow (last_over_time, which a staleness marker does not
// end), not the mean: reading the mean's 5 minutes a second time cost as
// much as the rest of the generated record (BenchmarkCapacityQuery), and
// a range of the histogram's count costs what its instant selector did,
// which reads the lookback's 5 minutes. So the cap is there wherever the
// mean can be (it needs a request ended within the window): read as the
// instant selector it was, a function whose histogram series had all gone
// with a replaced gateway pod, its successor's not yet made (no request
// ended through it), had the rate part alone, uncapped, and a burst of 20
// long calls in one interval read 400 in flight. A function with the
// histogram but no request ended within MeanDurationWindow has no rate part
// and counts each arrival in the window as one in flight: its requests have
// been running for minutes, or just began. The embedded source leaves such
// an interval out instead (missing).
//
// What it costs, and how it differs from the embedded source: one range
// function per subquery step (irate), as many as the gauge's instant
// selectors, and one more range function of the started counter per step
// for the first samples (a series per scrape target for the rest);
// the mean and the cap are read once per query, the cap with the new
// series (NewStartedSeries: two selections of the started counter). The
// embedded source weighs each interval by the mean at its scrape and caps
// it by its own arrivals; here the mean is the query's and the cap the
// window's (BenchmarkCapacityQuery: with an idelta cap at each step, and
// the invocation counter as a fallback, the query cost 8.6× the gauge's;
// the first values cost about a third more, at 2,000 functions on a busy
// two-core machine the generated record 205 → 270 ms and the source's
// query 290 → 395 ms, means of noisy runs; checking a new series with
// `offset` at every step as well cost the record 345 ms).
//
// mean is each function's mean duration: MeanDuration("") when empty, or a
// series recording it (the generated rules record it in a slower group:
// it moves over minutes, and reading its 5 minutes of samples at every
// evaluation cost more than the gauge's part).
func CapacityPeak(window, step, rateRange, interval time.Duration, mean string) string {
	return fmt.Sprintf(`max by (function_name) (%s)`, CapacityParts(window, step, rateRange, interval, mean))
}

// CapacityParts is CapacityPeak before its max: one series per function and
// part, labelled part="gauge" (the in-flight gauge's peak) and
// part="arrivals" (the arrivals' concurrency), so a reader can say which one
// a reading came from. A function has either or both.
func CapacityParts(window, step, rateRange, interval time.Duration, mean string) string {
	d := func(x time.Duration) string { return model.Duration(x).String() }
	if mean == "" {
		mean = MeanDuration("")
	}
	if interval <= 0 {
		interval = rateRange
	}
	peak := func(expr string) string { return Peak(expr, window, step) }
	part := func(expr, name string) string { return labelled(expr, "part", name) }
	// Only the series the gateway still exports (`and` the instant
	// selector, which a staleness marker empties): irate() over the range
	// kept a replaced gateway pod's last rate until the range had passed
	// it, on top of its successor's, and the peak held twice the load for
	// a window after every gateway replacement. A series with one sample
	// in the range, where its target says it counted from zero since,
	// has its value over the time it counted in instead (FirstSampleSpan).
	// The staleness check is per series, before the copies of a second
	// scrape job are collapsed (SumOverGateways): `and` matches each
	// series with its own copy.
	// last_over_time over the range, not the instant selector a second
	// time: the instant reads the lookback's 5 minutes of every series at
	// every step.
	perSeries := FreshRate(MetricStarted, rateRange, interval, "function_name")
	rate := peak("(" + SumOverGateways(perSeries, false) + ")")
	capRange := window + rateRange
	arrived := SumOverGateways(fmt.Sprintf(`%s or increase(%s[%s])`, NewStartedSeries(capRange), MetricStarted, d(capRange)), false)
	histogram := fmt.Sprintf(`group by (function_name) (last_over_time(%s[%s]))`, MetricSecondsCount, d(MeanDurationWindow))
	fromArrivals := fmt.Sprintf(`min by (function_name) (%s or %s)`,
		part(rate+" * on (function_name) "+mean, "rate"),
		part(arrived+" and on (function_name) "+histogram, "arrived"))
	gauge := peak("(" + SumOverGateways(MetricInflight, false) + ")")
	return part(gauge, "gauge") + " or " + part(fromArrivals, "arrivals")
}

// Peak is the highest value of expr (one series per function) over the
// window ending at the evaluation time: a subquery stepped at step, and the
// instant value. A subquery evaluates at multiples of its step (aligned to
// the epoch, not to the query), so its last evaluation can fall up to one
// step before the query's time and miss the newest sample: at a 1 s step a
// sample younger than the last whole second, at a step of the scrape
// interval the last scrape. The instant value reads it. The two are
// labelled apart, since `or` would drop one of two series with the same
// labels.
func Peak(expr string, window, step time.Duration) string {
	d := func(x time.Duration) string { return model.Duration(x).String() }
	return fmt.Sprintf(`max by (function_name) (%s or %s)`,
		labelled(fmt.Sprintf(`max_over_time(%s[%s:%s])`, expr, d(window), d(step)), "at", "window"), labelled(expr, "at", "now"))
}

// labelled is expr with the label name set to value on every series.
func labelled(expr, name, value string) string {
	return fmt.Sprintf(`label_replace(%s, %q, %q, "", "")`, expr, name, value)
}
