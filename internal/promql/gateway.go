package promql

import (
	"fmt"
	"strconv"
)

// A gateway's series can reach a query more than once: one Prometheus
// scraping the gateway under two jobs (the OpenFaaS chart's pod-annotation
// job and a ServiceMonitor, a common kube-prometheus-stack mistake), or a
// Thanos Querier over two Prometheus replicas without deduplication. The
// copies differ only in `job` or in the replica's external label, and a
// plain `sum by (function_name)` counted every call, request in flight and
// second twice: the controller scaled to twice the replicas and the rules
// fired scale-up alerts for half the real load. Two real gateway replicas
// are two pods, so two `instance`s (a pod's address), and still add up.
//
// Why `instance` alone and not `instance, pod`: the two jobs label the pod
// differently (the OpenFaaS chart's job `kubernetes_pod_name`, a
// ServiceMonitor `pod`), so a copy with one and a copy with the other would
// stay apart; and a pod's instance is its own address already. `code` is
// kept where there is one: a counter's series per code are other calls. Copies are
// the same counter read by two scrapes a few seconds apart, so their max is
// the newer reading, never more than one gateway counted.
//
// What it does not dedupe: series whose `instance` was rewritten to one
// value for every gateway (a relabelling that drops the pod's address) are
// one gateway to it, and read as the largest of them.

// OncePerGateway is expr (gateway series, or a function of them that keeps
// their labels) with one series per function and gateway instance, and
// per status code when coded (the invocation total and the duration
// histogram are labelled code; the started counter, the in-flight and
// replica gauges are not): the copies a second scrape job or an
// undeduplicated HA pair adds, collapsed to their max.
func OncePerGateway(expr string, coded bool) string {
	by := "function_name, instance"
	if coded {
		by += ", code"
	}
	return "max by (" + by + ") (" + expr + ")"
}

// MetricInvocationTotal is the gateway's invocation counter, by status code.
const MetricInvocationTotal = "gateway_function_invocation_total"

// MetricProcessStart is a scrape target's process start time, in Unix
// seconds (the client libraries' process collector, which the gateway
// exports too). A gateway restarted in place (its container restarted in
// its pod: the same `instance`) shows only there: its counters start
// again from 0, and one back at or above its old value by the next read
// looks like a rise. The keep-alive feeder and its rebuild read it to
// tell such a restart.
const MetricProcessStart = "process_start_time_seconds"

// StartedAgain reports whether a process start time read as now, after one
// read as before at the same instance, is another process's: only when it
// is later by more than startJitter. One process's start time is not
// always read the same: the Go client adds /proc/stat's btime, read at each
// scrape, which moves by whole seconds either way when the clock is stepped
// (prometheus/client_golang#289). Read as a restart, each such move
// counted every function's counter on that gateway whole. A process
// restarted in place starts after the old one was last scraped, which was
// after it started: later, by more than startJitter unless the old one
// lived less than that.
func StartedAgain(before, now float64) bool { return now-before > startJitter }

// RestartedWithin is StartedAgain over the range window (a PromQL
// duration), per scrape target: the process start time's range over the
// window, latest less earliest, above the jitter. changes() read each
// jittered read of one process's start time as a restart in place.
func RestartedWithin(window string) string {
	return fmt.Sprintf("(max_over_time(%[1]s[%[2]s]) - min_over_time(%[1]s[%[2]s])) > %[3]d", MetricProcessStart, window, startJitter)
}

// StartTimes is each scrape target's process start time by instance, over
// the series sel selects (a PromQL label matcher list such as
// `{instance=~"a|b"}`, or "" for every target): the earliest of the
// instance's copies when two jobs (or an undeduplicated HA pair) scrape it.
// The copies read a restart a scrape apart, and between the two the
// gateway's counter (the larger copy, OncePerGateway) is still the old
// process's; the earliest moves only once every copy reads the new
// process, as the counter does. The keep-alive's feeder and its rebuild
// both read start times this way.
func StartTimes(sel string) string {
	return "min by (instance) (" + MetricProcessStart + sel + ")"
}

// startJitter is how far, in seconds, one process's start time may move
// between reads (StartedAgain): a second, and as much again for a clock
// stepped twice between two reads, or the float sums of the client.
const startJitter = 2

// StartedCounters is every function's started counter per gateway instance
// (OncePerGateway), or, on a gateway instance without one for the function
// (by its qualified name, defaultNamespace qualifying a bare one), its
// invocation counter summed over the status codes: what the keep-alive
// feeder reads at each step and its rebuild over the history, so the two
// read the same counters, decided as the activity query decides them
// (StartedPerGateway).
func StartedCounters(defaultNamespace string) string {
	return StartedCountersMatching("", defaultNamespace)
}

// StartedCountersMatching is StartedCounters over the series sel selects
// (a PromQL label matcher list such as `{function_name=~"..."}`, or "" for
// every series): the keep-alive's rebuild reads a large fleet's counters a
// share of its functions at a time. Its series are labelled function_name
// and instance alone, as the counters' are (the qualified name the
// fallback is decided by is dropped): the feeder names a series across
// reads by them, and the rebuild keys its series' state by them.
//
// Decided per raw function_name (`started or sum by (function_name,
// instance) (total)`), a gateway without function_namespace that counted a
// function's calls in its started counter under the bare name and in its
// invocation counter under the qualified one (StartedPerGateway) had both
// read, and the keep-alive learned every such call twice where the
// activity query counted it once. It stays instant selectors, aggregations
// and label_replace: nothing over a range, for the feeder's read at every
// step (metricsource/prometheus totals.go).
func StartedCountersMatching(sel, defaultNamespace string) string {
	return withoutQualifiedName(StartedPerGateway(MetricStarted+sel, MetricInvocationTotal+sel, defaultNamespace))
}

// SumOverGateways is each function's sum of expr over its gateway replicas
// (and status codes), each counted once (OncePerGateway).
func SumOverGateways(expr string, coded bool) string {
	return SumOverGatewaysBy("function_name", expr, coded)
}

// SumOverGatewaysBy is SumOverGateways grouped by labels (function_name,
// code when coded, or "" for one sum).
func SumOverGatewaysBy(labels, expr string, coded bool) string {
	if labels == "" {
		return "sum(" + OncePerGateway(expr, coded) + ")"
	}
	return "sum by (" + labels + ") (" + OncePerGateway(expr, coded) + ")"
}

// functionLabel holds a series' qualified function name (QualifiedName): a
// name no stored series carries (relabelling drops the reserved "__"
// labels), so it overwrites no label of the series' own.
const functionLabel = "__faas_autoscaler_function"

// QualifiedName is expr (series with function_name) with the function's
// qualified name in functionLabel: function_name itself when it has a dot,
// else function_name.defaultNamespace, as the readers qualify it
// (provider.ParseRef). A gateway without function_namespace counts calls
// to /function/fn and /function/fn.openfaas-fn under the two names, one
// function's (reference/openfaas.md).
func QualifiedName(expr, defaultNamespace string) string {
	return fmt.Sprintf(`label_replace(label_replace(%s, "%[2]s", "$1", "function_name", "(.*[.].*)"), "%[2]s", %[3]s, "function_name", "([^.]*)")`,
		expr, functionLabel, strconv.Quote("$1."+defaultNamespace))
}

// withoutQualifiedName is expr (QualifiedName's series) without
// functionLabel: label_replace sets a label to "" by removing it.
func withoutQualifiedName(expr string) string {
	return fmt.Sprintf(`label_replace(%s, "%s", "", "", "")`, expr, functionLabel)
}

// StartedPerGateway is each function's started counter per gateway
// instance (OncePerGateway), or, on an instance without one for the
// function, its invocation counter summed over the status codes: started
// and total are the two counters or functions of them keeping their labels
// (the activity query's counts), the result a series per function_name and
// instance, to be summed by function_name.
//
// The fallback is decided per instance, not per function: in a rolling
// upgrade an older gateway replica without the started counter serves
// beside a newer one with it, and decided per function (`sum(started) or
// sum(total)`) the calls through the older replica were dropped once the
// newer had counted the function once: a function called only through the
// older one read 0 started, idle (metricsource/prometheus
// TestStartedFallbackPerGateway). The embedded source and the keep-alive's
// reads (StartedCountersMatching) decide it per replica as well.
//
// It is decided per qualified name (QualifiedName), not per function_name:
// an instance's started counter under one form of the name means its
// invocation counter under the other counts the same function's calls,
// already counted (a started counter under the bare name beside an
// invocation counter under the qualified name read every call twice).
// Each of started and total is evaluated once: `or on` keeps the started
// side and adds the invocation side where no started series matches.
func StartedPerGateway(started, total, defaultNamespace string) string {
	return fmt.Sprintf(`%s or on (%s, instance) %s`,
		QualifiedName(OncePerGateway(started, false), defaultNamespace), functionLabel,
		QualifiedName("sum by (function_name, instance) ("+OncePerGateway(total, true)+")", defaultNamespace))
}

// EndedWhereStarted is each function's invocation counter (summed over
// the status codes) per gateway instance that has the started counter for
// the function (by its qualified name, as StartedPerGateway decides), a
// series per function_name and instance: the calls ended that a started
// counter counted, so that started less ended is what is in flight. An
// instance without the started counter (an older replica in a rolling
// upgrade) counts its calls in neither: its ended calls, set against
// another replica's started calls, hid the calls running there (3 started
// less 2 + 5 ended read none in flight under a running call). It reads
// the started counter's series a second time (instant: one sample each).
func EndedWhereStarted(started, total, defaultNamespace string) string {
	return fmt.Sprintf(`%s and on (%s, instance) %s`,
		QualifiedName("sum by (function_name, instance) ("+OncePerGateway(total, true)+")", defaultNamespace), functionLabel,
		QualifiedName(OncePerGateway(started, false), defaultNamespace))
}

// GoneFromGateways is each function with a series in seen on a gateway
// instance and none in now there (both by qualified name, QualifiedName,
// as StartedPerGateway decides its counters; seen and now are the
// function's counters over a lookback and now, labelled function_name and
// instance), where either that instance is up now (up, the gateway's `up`
// selector, at 1) or the function has no series in now on any instance. A
// series per function, labelled function_name with its qualified name.
//
// Decided per function alone (the second case), a replica restarted in
// place (same instance, no failed scrape, so no coverage check sees it)
// whose new process had not counted a function yet lost the function's
// calls since its last scrape, while another replica's series kept the
// function present: its activity read 0, covered (metricsource/prometheus
// TestFunctionGoneFromAReplicaRestartedInPlaceIsVanished). Per instance
// only where the instance is up: one down is read as down (the source's
// DownGateways), and one replaced by a rollout (its target gone) would
// otherwise make every function it had counted vanish for the whole
// lookback, though the successor counts them.
//
// seen and now are each read once (seen is every sample of the counters
// over the lookback, the costly part; PromQL binds no name), so the two
// cases are one max per function over its series: 1 for each series now,
// and for each series seen and gone from its instance 2 where that
// instance is up, 0 where not. A max other than 1 is a gone series on an
// instance up (2), or gone series and none now (0). A series seen on an
// instance whose `up` was not selected within lookback (a PromQL duration)
// is not read: the coverage checks do not see that instance either.
func GoneFromGateways(seen, now, up, lookback, defaultNamespace string) string {
	pairs := func(expr string) string {
		return QualifiedName("group by (function_name, instance) ("+expr+")", defaultNamespace)
	}
	// 2 for an instance up now, 0 for one selected within lookback and not
	// up now (its last scrape failed, or its target left).
	weight := fmt.Sprintf(`max by (instance) (%[1]s == bool 1) * 2 or max by (instance) (last_over_time(%[1]s[%[2]s])) * 0`, up, lookback)
	// `or on` keeps a seen series only where no series now has its
	// function and instance: gone from there.
	series := fmt.Sprintf(`%s or on (%s, instance) %s * on (instance) group_left () (%s)`, pairs(now), functionLabel, pairs(seen), weight)
	return fmt.Sprintf(`label_replace(max by (%[2]s) (%[1]s) != 1, "function_name", "$1", "%[2]s", "(.+)")`, series, functionLabel)
}
