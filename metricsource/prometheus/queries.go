package prometheus

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// Series read by the built-in scaling types and by Activity. The names are
// the OpenFaaS gateway's, kubelet's (relabelled by the OpenFaaS chart) and
// the JetStream queue-worker's; see reference/openfaas.md.
const (
	metricTotal    = "gateway_function_invocation_total"
	metricStarted  = "gateway_function_invocation_started"
	metricInflight = "gateway_function_invocation_inflight"
	metricCPU      = "pod_cpu_usage_seconds_total"
	metricQueue    = "queue_worker_pending_messages"
	metricQueueRun = "queue_worker_function_invocation_inflight"
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

// loadQuery returns the PromQL for q: one query for all functions.
func loadQuery(q metricsource.LoadQuery) (string, error) {
	w, err := promDuration("window", q.Window)
	if err != nil {
		return "", err
	}
	switch q.Type {
	case metricsource.TypeRPS:
		// All response codes: a function answering 500s still takes load.
		return fmt.Sprintf(`sum by (function_name) (rate(%s[%s]))`, metricTotal, w), nil
	case metricsource.TypeCapacity:
		// Peak of the per-function total over the window, not the sum of
		// per-gateway peaks (which would overstate with several gateways).
		step := model.Duration(subqueryStep(q.Window)).String()
		return fmt.Sprintf(`max_over_time((sum by (function_name) (%s))[%s:%s])`, metricInflight, w, step), nil
	case metricsource.TypeCPU:
		// Milli-CPU: 1000 = one core busy.
		return fmt.Sprintf(`sum by (function_name) (rate(%s[%s])) * 1000`, metricCPU, w), nil
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
		// quoted as a PromQL string literal (Go escaping rules).
		return fmt.Sprintf(`avg by (function_name) (avg_over_time(%s{scaling_type=%s}[%s]))`,
			metricsource.CustomLoadMetric, strconv.Quote(q.Type), w), nil
	}
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
// Functions without a started counter (gateways that predate it) fall back
// to the invocation counter, which misses calls still running.
func startedQuery(window time.Duration) (string, error) {
	w, err := promDuration("activity window", window)
	if err != nil {
		return "", err
	}
	count := func(m string) string {
		return fmt.Sprintf(`sum by (function_name) ((increase(%[1]s[%[2]s]) and %[1]s offset %[2]s) or max_over_time(%[1]s[%[2]s]))`, m, w)
	}
	return count(metricStarted) + " or " + count(metricTotal), nil
}

// queueLevel is each function's unfinished asynchronous work now: messages
// waiting plus messages the queue workers are running. Every worker replica
// reports the same stream's backlog, so pending is averaged (as OpenFaaS's
// own rule does); in-flight is per worker, so it adds up. A worker without
// the in-flight gauge still yields its pending count.
func queueLevel() string {
	pending := fmt.Sprintf(`avg by (function_name) (%s)`, metricQueue)
	return fmt.Sprintf(`(%[1]s + on (function_name) sum by (function_name) (%[2]s)) or %[1]s`, pending, metricQueueRun)
}

// inflightQuery reads the in-flight gauge now, per function.
func inflightQuery() string {
	return fmt.Sprintf(`sum by (function_name) (%s)`, metricInflight)
}

// coverageQuery returns a non-empty result only when sel has been scraped
// successfully for the whole window:
//   - every `up` sample in the window is 1;
//   - at every step of the window, the freshest sample is at most maxGap old
//     (catches Prometheus or the target being down for a while);
//   - there is a sample at every step (catches a target that only appeared
//     within the window, e.g. right after Prometheus started, and gaps longer
//     than the lookback).
//
// The step is a third of maxGap so that gaps of more than 4/3·maxGap are
// always seen.
func coverageQuery(sel string, window, maxGap time.Duration) (string, error) {
	w, err := promDuration("activity window", window)
	if err != nil {
		return "", err
	}
	step := (maxGap / 3).Truncate(time.Second)
	if step < time.Second {
		step = time.Second
	}
	s := model.Duration(step).String()
	return fmt.Sprintf(`(min(min_over_time(%[1]s[%[2]s])) == 1)`+
		` and on() (max_over_time((time() - max(timestamp(%[1]s)))[%[2]s:%[3]s]) <= %[4]s)`+
		` and on() (count_over_time(max(timestamp(%[1]s))[%[2]s:%[3]s]) >= count_over_time(vector(1)[%[2]s:%[3]s]))`,
		sel, w, s, strconv.FormatFloat(maxGap.Seconds(), 'f', -1, 64)), nil
}
