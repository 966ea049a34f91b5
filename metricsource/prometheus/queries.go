package prometheus

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// Series read by the built-in scaling types and by Activity. The names are
// the OpenFaaS gateway's, kubelet's (relabelled by the OpenFaaS chart) and
// the JetStream queue-worker's; see reference/openfaas.md.
const (
	metricTotal = "gateway_function_invocation_total"
	// metricProcessStart is a scrape target's process start time (client
	// libraries' process collector): a gateway restarted in place shows there.
	metricProcessStart = promql.MetricProcessStart
	metricStarted      = promql.MetricStarted
	metricInflight     = promql.MetricInflight
	metricCPU          = "pod_cpu_usage_seconds_total"
	metricQueue        = promql.MetricQueuePending
	metricQueueRun     = promql.MetricQueueInflight
	metricReplicas     = "gateway_service_count"
)

// promDuration renders w as a PromQL duration. Windows under a second are
// rejected: rate() over them would hold fewer than two samples at any scrape
// interval Prometheus is run with.
func promDuration(what string, w time.Duration) (string, error) {
	if w < time.Second {
		return "", fmt.Errorf("%s %s: must be at least 1s", what, w)
	}
	return model.Duration(w.Truncate(time.Millisecond)).String(), nil
}

// subqueryStep is the resolution of the capacity subquery: fine enough to
// catch a short in-flight peak at a 1 s scrape, coarse enough that a long
// window stays cheap (at most ~60 evaluations per function).
func subqueryStep(w time.Duration) time.Duration {
	s := (w / 60).Truncate(time.Second)
	if s < time.Second {
		s = time.Second
	}
	return s
}

// capacityPartsQuery is loadQuery's capacity query before its max: a
// series per function and part (promql.CapacityParts), for LoadParts.
func capacityPartsQuery(window, rateRange, interval time.Duration) (string, error) {
	if _, err := promDuration("window", window); err != nil {
		return "", err
	}
	if _, err := promDuration("rate range", rateRange); err != nil {
		return "", err
	}
	return promql.CapacityParts(window.Truncate(time.Millisecond), capacityStep(window, interval), rateRange.Truncate(time.Millisecond), firstInterval(interval), ""), nil
}

// firstInterval is the scrape interval a new started series' first value
// is read over in the capacity query (promql.CapacityParts; 0: unknown,
// the rate range), truncated as the subquery's step is (capacityStep), so
// the query's text moves no more often than its step does.
func firstInterval(interval time.Duration) time.Duration {
	return interval.Truncate(100 * time.Millisecond)
}

// loadQuery returns the PromQL for q: one query for all functions.
// rateRange is the range of the capacity type's irate(): the source's
// MaxScrapeGap, which holds at least two scrapes; interval the gateway's
// scrape interval, for the capacity subquery's step and the rate of a new
// started series' first value (0: unknown). defaultNamespace qualifies a
// bare function_name in a custom load (below).
func loadQuery(q metricsource.LoadQuery, rateRange, interval time.Duration, defaultNamespace string) (string, error) {
	w, err := promDuration("window", q.Window)
	if err != nil {
		return "", err
	}
	switch q.Type {
	case metricsource.TypeRPS:
		// All response codes: a function answering 500s still takes load.
		// Each gateway replica once (promql.SumOverGateways).
		return observedRate(promql.SumOverGateways(fmt.Sprintf(`rate(%s[%s])`, metricTotal, w), true), metricTotal), nil
	case metricsource.TypeCapacity:
		// The peak of the function's concurrency over the window: the
		// in-flight gauge or, when larger, what the arrivals of a scrape
		// interval bring (promql.CapacityPeak). The arrivals' irate needs
		// two scrapes: rateRange, a few scrape intervals.
		if _, err := promDuration("rate range", rateRange); err != nil {
			return "", err
		}
		return promql.CapacityPeak(q.Window.Truncate(time.Millisecond), capacityStep(q.Window, interval), rateRange.Truncate(time.Millisecond), firstInterval(interval), ""), nil
	case metricsource.TypeCPU:
		// Milli-CPU: 1000 = one core busy. Each pod once (promql.OncePerPod):
		// an HA pair read without deduplication, or a kubelet scraped by two
		// jobs, held every pod's counter twice, and the sum read one busy
		// core as two.
		return observedCPU(fmt.Sprintf(`sum by (function_name) (%s) * 1000`, promql.OncePerPod(fmt.Sprintf(`rate(%s[%s])`, metricCPU, w)))), nil
	case metricsource.TypeQueue:
		// A backlog is a level: what matters is the work waiting now, for
		// every window. An average or a peak over the window would still
		// show a drained queue's old backlog for a whole window, and wake a
		// function the idler has just parked with nothing to do. The
		// scale-down window holds replicas while a backlog drains; a
		// message that arrived since the last scrape counts in full at the
		// next one (the activation threshold is 1 message). The JetStream
		// source reads the same level, so both sources decide alike.
		return queueLevel(), nil
	case "":
		return "", fmt.Errorf("scaling type is empty")
	default:
		// A custom recorded load; the type comes from a function label, so it is
		// quoted as a PromQL string literal (Go escaping rules). Averaged over
		// the record's series (one per gateway replica and status code, as
		// OpenFaaS Pro's latency example keeps them), those that are NaN
		// left out (promql.DropNaN): a series without a call in its range is
		// 0/0, and one such series made the function's average NaN, read as
		// missing. A series with a NaN sample in the window is NaN over it
		// (avg_over_time) and left out for the window; a function with no
		// other series stays missing. A bare function_name is qualified
		// with the default namespace before the average: a gateway without
		// function_namespace counts calls to /function/lat and
		// /function/lat.openfaas-fn under both names, and the two names'
		// averages were added as two series of one function (2 s read 4 s:
		// a review's finding). A name with a dot is qualified already.
		// The qualified name goes in a label of its own (faas_function),
		// not over function_name: two series apart only in the name form
		// would be one labelset, which Prometheus refuses.
		inner := promql.DropNaN(fmt.Sprintf(`avg_over_time(%s{scaling_type=%s}[%s])`, metricsource.CustomLoadMetric, strconv.Quote(q.Type), w))
		if defaultNamespace == "" {
			return fmt.Sprintf(`avg by (function_name) (%s)`, inner), nil
		}
		named := fmt.Sprintf(`label_replace(label_replace(%s, "faas_function", "$1.%s", "function_name", "([^.]+)"), "faas_function", "$1", "function_name", "(.+[.].+)")`,
			inner, defaultNamespace)
		return fmt.Sprintf(`label_replace(avg by (faas_function) (%s), "function_name", "$1", "faas_function", "(.+)")`, named), nil
	}
}

// observedRate keeps of rate, a per-function rate of counter over its
// window, only the functions with a series of counter now: unknown
// (absent), not lower. A failed scrape (a gateway too busy to answer
// /metrics in time, a kubelet down) or a target leaving discovery (a
// gateway failing its readiness probe) makes Prometheus mark the target's
// series stale, and rate() then divided the calls of the window's first
// part by the whole window: a load falling towards zero under a function as
// busy as ever, which the scaler took for a drop and scaled down on
// (TestLoadWhileGatewayScrapesFail). A gateway pod replaced ends its series
// too; the function reads again at its first call through the successor.
// One target of several failing (a gateway replica among others) still
// lowers the sum: the others keep the function present.
func observedRate(rate, counter string) string {
	return fmt.Sprintf(`(%s) and on (function_name) group by (function_name) (%s)`, rate, counter)
}

// observedCPU is observedRate for the kubelet's CPU counter, which needs
// more: the kubelet stamps each sample with the time of its stats, and
// Prometheus writes no staleness marker for a timestamped series when its
// target's scrapes fail, so the instant selector kept finding a function
// for up to 5 minutes after its kubelet stopped answering while rate()
// divided the samples from before the failure by the whole window: a busy
// function's CPU read 680m of a true 1000m after 3 s of failed scrapes
// (TestCPUWhileKubeletScrapesFail), and the scaler took it for a drop. So a
// function any of whose series comes from a target whose last scrape failed
// (`up == 0`) is absent: unknown, not lower (a kubelet failing loses its
// pods' load entirely, unlike one gateway replica of several).
//
// The match is on the target's labels: job, instance, and metrics_path,
// which kube-prometheus' kubelet ServiceMonitor sets on its three endpoints
// of one kubelet (a failing /metrics/cadvisor must not hide the
// /metrics/resource series). `unless` only removes: where a relabelling
// left the series without the target's labels nothing matches and the read
// is as before, never absent for good.
func observedCPU(rate string) string {
	return fmt.Sprintf(`(%s) unless on (function_name) group by (function_name) (%s and on (job, instance, metrics_path) (up == 0))`,
		observedRate(rate, metricCPU), metricCPU)
}

// startedQuery counts invocations started within the window, per function.
//
// increase() needs two samples and misses the first sample's value, so a
// counter that first appeared within the window (the gateway creates it on
// the first invocation, often already at 1) would read 0: idle. Such a
// series — one with no sample at the window's start (`offset`) — counts its
// highest value instead. That over-counts only when a series vanished for
// longer than the lookback and came back, which errs towards "active".
//
// A series missing from some scrapes of its gateway within the window (fewer
// samples than the gateway target's up, sel) and present now counts its
// value now, when that is more: the gateway creates a function's counters
// at its first call, and a restarted gateway (a rolling update) counts from
// 0, so a rare function called once before the restart and once since
// showed 1, a gap, 1; the difference from the window's start read 0, and so
// did increase(), which joins the two sides of the gap, and the idler
// scaled to zero a function called a minute before
// (TestCallThroughARestartedGatewayIsActivity). Every call the series
// counts now came after the scrape that missed it. A failed scrape (up 0,
// the series stale) reads so too for a window: towards "active".
//
// A gateway instance without a started counter for a function (a gateway
// that predates it, such as an older replica during a rolling upgrade)
// falls back to its invocation counter, which misses calls still running.
// The fallback is decided per instance and qualified function name
// (promql.StartedPerGateway), before the sum over instances: decided per
// function, the older replica's calls were dropped once a newer one had
// counted the function. defaultNamespace qualifies a bare function_name
// for that decision.
func startedQuery(window time.Duration, sel, defaultNamespace string) (string, error) {
	w, err := promDuration("activity window", window)
	if err != nil {
		return "", err
	}
	// The difference from the last sample at or before the window's start
	// (`offset`, within the 5 m lookback) counts calls made in a scrape gap
	// that straddles the start, which increase() over the window alone
	// misses (issue 15, item 2); increase() still wins when larger, as it
	// does across a counter reset.
	count := func(m string) string {
		// A series with a sample at the window's start but fewer than two
		// in it (a gateway also scraped by a slower job: its copy every
		// 30 s) has no increase(): the difference alone answers for it.
		// The highest value answers only for a series with no sample at
		// the start (new in the window, or back after the lookback): it
		// answered for that copy too, the counter's whole value, and every
		// function the gateway ever counted read as called in any window
		// under two of the slower job's intervals, so none was idled.
		counted := fmt.Sprintf(`(%[3]s and %[1]s offset %[2]s) or (max_over_time(%[1]s[%[2]s]) unless %[1]s offset %[2]s)`,
			m, w, largerOf(fmt.Sprintf(`%[1]s - %[1]s offset %[2]s`, m, w), fmt.Sprintf(`increase(%s[%s])`, m, w)))
		// The series back after a gap, valued now (× 1 drops the name, so
		// its labels are those of counted's series); up's counts taken per
		// target (max by), so duplicated up series (an HA pair queried
		// without deduplication) cannot fail the match.
		//
		// So does a series of a gateway whose process restarted within the
		// window (process_start_time_seconds moved forward by more than its
		// jitter, promql.RestartedWithin: a container restarted in place,
		// every scrape succeeding): it counts from 0 since, its
		// counters made at the first call after the restart, so its value
		// now is calls since. A call right after a restart, before the next
		// scrape, counted 1 where the old process had 1 too, and read 0.
		back := fmt.Sprintf(`((%[1]s * 1) and (count_over_time(%[1]s[%[2]s]) < on (job, instance) group_left () max by (job, instance) (count_over_time(%[3]s[%[2]s])))) or ((%[1]s * 1) and on (job, instance) (%[4]s))`, m, w, sel, promql.RestartedWithin(w))
		// The larger of the two per series, either absent.
		return largerOf(counted, back)
	}
	// Each gateway replica once (promql.OncePerGateway), the started
	// counter or its fallback per replica, summed over the replicas.
	return fmt.Sprintf(`sum by (function_name) (%s)`,
		promql.StartedPerGateway(count(metricStarted), count(metricTotal), defaultNamespace)), nil
}

// partLabel tags the two sides of largerOf apart: a name no stored series
// carries (relabelling drops the reserved "__" labels), so the tag never
// overwrites a series' own label (with faas_autoscaler_part, a function
// whose series carried one read as never called, and two series apart
// only by it failed the whole query).
const partLabel = "__faas_autoscaler_part"

// largerOf is the larger of a and b per series (their labels alike), or
// the one present. PromQL binds no name: written `(a > b) or b or a`, each
// side was evaluated twice, and nested so in startedQuery every counter's
// samples over the window were read eight times — at 10,000 functions no
// activity window's query fitted the 5 s timeout, 26 s at 4 h
// (BenchmarkActivityWindows). Tagged apart and joined by `or`, each side is
// evaluated once; the max over the tag is the larger.
func largerOf(a, b string) string {
	return fmt.Sprintf(`max without (%[3]s) (label_replace(%[1]s, "%[3]s", "a", "", "") or label_replace(%[2]s, "%[3]s", "b", "", ""))`, a, b, partLabel)
}

// queueLevel is each function's unfinished asynchronous work now: messages
// waiting plus messages the queue workers are running, the expression the
// generated record reads (promql.QueueBacklog: a worker scraped by two jobs
// counts once).
func queueLevel() string { return promql.QueueBacklog() }

// inflightQuery reads the in-flight gauge now, per function, each gateway
// replica once (promql.SumOverGateways).
func inflightQuery() string {
	return promql.SumOverGateways(metricInflight, false)
}

// Counters told apart by the "counter" label of countersQuery's result.
const (
	counterStarted = "started" // gateway_function_invocation_started: calls proxied
	counterEnded   = "ended"   // gateway_function_invocation_total: proxied calls that ended
)

// countersQuery reads each function's started counter and invocation total
// now, per function_name, in one answer: their difference is what is in
// flight when the gateway has no in-flight gauge (OpenFaaS CE; see
// metricsource.DerivedInflight). The two are not subtracted in PromQL: a
// function whose names differ between the counters (bare and qualified)
// would match nothing, or, with a fallback for a total not yet created,
// count every call it ever started as in flight. Summed per function as
// values does, the difference is taken in Go.
//
// The invocation total is read only on the gateway instances with the
// started counter for the function (promql.EndedWhereStarted): an older
// replica without it (a rolling upgrade) has its ended calls set against
// no started ones, and they hid the calls running on the newer one. A
// function with no started counter on any instance has no "ended" series
// either, and no in-flight reading, as before.
func countersQuery(defaultNamespace string) string {
	tag := func(name, expr string) string {
		return fmt.Sprintf(`label_replace(%s, "counter", %q, "", "")`, expr, name)
	}
	return tag(counterStarted, promql.SumOverGateways(metricStarted, false)) + " or " +
		tag(counterEnded, fmt.Sprintf(`sum by (function_name) (%s)`, promql.EndedWhereStarted(metricStarted, metricTotal, defaultNamespace)))
}

// vanishedQuery lists functions with a gateway counter seen within lookback
// but missing now, per gateway instance that is up now (sel, the coverage
// selector), or on every instance (promql.GoneFromGateways). Prometheus
// writes a staleness marker when a series is missing from a scrape, so the
// instant selector drops it at the next scrape while last_over_time still
// holds it. defaultNamespace qualifies a bare function_name, as the
// started query does: a function counted under its bare name before a
// restart and under its qualified name since is the same function's series,
// not a vanished one.
func vanishedQuery(lookback time.Duration, sel, defaultNamespace string) (string, error) {
	l, err := promDuration("vanish lookback", lookback)
	if err != nil {
		return "", err
	}
	seen := fmt.Sprintf(`last_over_time(%[1]s[%[3]s]) or last_over_time(%[2]s[%[3]s])`, metricStarted, metricTotal, l)
	return promql.GoneFromGateways(seen, metricStarted+" or "+metricTotal, sel, l, defaultNamespace), nil
}

// wokenQuery finds functions the gateway reported at zero replicas at some
// point of the window and above zero now: for each, the last step whose
// range, the r before it, held a sample at 0 (a Unix time in seconds;
// timestamp() of an aggregate is the evaluation time of the step). r is
// the step, at least scrape (the gateway's scrape interval; while it is
// not known, the longest gap between scrapes the coverage lets through):
// the ranges leave no time between steps, and every sample after the last
// 0 is above zero, so the first came a scrape after it: that time plus r
// (returned) is an upper bound on the wake (Source.woken), but for a
// scrape missed right after the last 0 (a scrape early). The steps are the
// capacity subquery's: at most ~60 evaluations per function whatever the
// window.
//
// Read at the steps alone (the count in effect at each), a zero shorter
// than a step (idled, then pre-warmed two minutes later in a 4 h window's
// 4 m steps) fell between two and the wake was not seen. The ranges read
// each sample about once, as those lookups did (BenchmarkWokenQuery);
// read beside them, the query cost twice as much.
func wokenQuery(window, scrape time.Duration) (string, time.Duration, error) {
	w, err := promDuration("activity window", window)
	if err != nil {
		return "", 0, err
	}
	step := subqueryStep(window)
	// Whole seconds, rounded up: the interval read is a median gap
	// (14.998 s), and rounded down the bound could come before the wake.
	r := max(step, (scrape + time.Second - 1).Truncate(time.Second), time.Second)
	// Every gateway instance at 0 is the sum at 0.
	zero := fmt.Sprintf(`max by (function_name) (min_over_time(%s[%s])) == 0`, metricReplicas, model.Duration(r))
	return fmt.Sprintf(`max_over_time((timestamp(%[1]s))[%[2]s:%[3]s]) and on (function_name) (sum by (function_name) (%[4]s) > 0)`,
		zero, w, model.Duration(step), metricReplicas), r, nil
}
