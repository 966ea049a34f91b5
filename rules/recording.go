package rules

import (
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/internal/promql"
)

// Metric and record names the rules read and write.
const (
	// Gateway metrics (OpenFaaS gateway; the in-flight gauge is Pro's name,
	// also exported by this project's test gateway).
	metricInvocationTotal = "gateway_function_invocation_total"
	// metricConcurrency names the capacity record's metric: no gateway
	// series has this name; it is the in-flight gauge and the arrivals at
	// the mean duration taken together (promql.CapacityPeak).
	metricConcurrency   = "gateway_function_concurrency"
	metricPodCPU        = "pod_cpu_usage_seconds_total"
	metricQueueInflight = promql.MetricQueueInflight

	// CurrentLoadRecord is OpenFaaS Pro's record name for a function's load,
	// labelled scaling_type; the controller reads custom types from it.
	CurrentLoadRecord = "job:function_current_load:sum"
	// MeanDurationRecord is each function's mean request duration over
	// promql.MeanDurationWindow, which the capacity record weighs arrivals
	// by. It is recorded in its own group (GroupSlow), every
	// SlowEvaluationInterval: it moves over minutes, and reading its
	// minutes of samples at every evaluation of the scaling group cost more
	// than the gauge's part of the capacity record. A function it has not
	// recorded yet is weighed by the mean its counters hold
	// (promql.RecordedMeanDuration).
	MeanDurationRecord = "function_name:gateway_functions_seconds:mean5m"
	// FreshLoadRecord is, for the counter types (rps, cpu), the larger of
	// the window's rate and the rate over the last scrape interval (irate),
	// labelled scaling_type. The scale-up alerts read it: a load step shows
	// in full in the last interval one scrape after it lands, while the
	// window's average needs the window to fill (at a 5 s scrape a 20 s
	// rate reaches a quarter of a step one scrape in). Gauge types (capacity,
	// queue) and custom loads are fresh already and have no such record.
	FreshLoadRecord = "job:function_fresh_load:max"

	// The controller's own gauges the alerts compare against.
	metricTargetLoad  = "faas_autoscaler_function_target_load"
	metricReplicas    = "faas_autoscaler_function_replicas"
	metricMaxReplicas = "faas_autoscaler_function_max_replicas"
	metricMinReplicas = "faas_autoscaler_function_min_replicas"
)

// loadRecord is one built-in type's per-function load: a level:metric:operations
// record, and how the Pro-compatible record derives from it.
type loadRecord struct {
	Type string
	// Record is the level:metric:operations name, Expr its definition.
	Record string
	Expr   string
	// Fresh and FreshExpr are the rate over the last scrape interval of a
	// counter type (irate over the same window); empty for gauge types.
	Fresh     string
	FreshExpr string
	// Last and LastExpr are a peak type's peak over the last scrape
	// interval alone (capacity), which FunctionAtZeroWithLoad reads
	// (atZeroLoad); empty for the other types.
	Last     string
	LastExpr string
	// Scale converts the record to the type's unit in CurrentLoadRecord
	// (cpu targets are milli-CPU, the counter is in seconds); 0 means 1.
	Scale float64
}

// KubeletStatsAge is how old the kubelet's pod CPU sample can be when
// Prometheus scrapes it: the sample carries the time of the kubelet's last
// stats collection (cAdvisor housekeeping, every 10 s, dynamically up to
// 15 s), not the scrape's.
const KubeletStatsAge = 15 * time.Second

// cpuFreshMargin covers a slow scrape and the evaluation's place between
// two scrapes.
const cpuFreshMargin = 5 * time.Second

// CPUFreshBound is the age past which the fresh CPU rate no longer counts
// a pod's series: the slowest kubelet scrape interval the CPU window is
// sized for (a quarter of it, four samples: 15 s at the default minute),
// plus KubeletStatsAge, plus cpuFreshMargin (35 s at the default minute).
// A healthy pod's newest sample is never older than its interval plus the
// stats' age, so it is never dropped; a removed pod counts for at most the
// bound after its last sample, instead of the window less one interval.
func CPUFreshBound(o Options) time.Duration {
	return o.CPUWindow/4 + KubeletStatsAge + cpuFreshMargin
}

// LoadRecordName returns the level:metric:operations record holding a
// built-in type's per-function load for the options' windows, e.g.
// function_name:gateway_function_invocation_total:rate20s. Dashboards and
// tests use it; it panics on a type that is not built in.
func LoadRecordName(o Options, typ string) string {
	return builtinLoad(o, typ).Record
}

func builtinLoad(o Options, typ string) loadRecord {
	w, cw := Duration(o.Window).String(), Duration(o.CPUWindow).String()
	switch typ {
	case TypeRPS:
		// Every status code counts, as in OpenFaaS Pro: errors and 429s are
		// load too (CE's alert counted only 200s and so never scaled a
		// failing function).
		//
		// The fresh rate counts only series the gateway still exports
		// (`and` the instant selector, which a staleness marker empties):
		// irate() over the window kept a replaced gateway pod's last rate
		// until the window had passed it, on top of its successor's, and
		// doubled the load the scale-up alert saw, and sent as its load,
		// after every gateway replacement. rate() needs no such guard: it
		// spreads the ended series' part over the whole window.
		//
		// Each gateway replica counts once, also when Prometheus scrapes
		// it under two jobs (promql.SumOverGateways; the staleness check
		// stays per series, before the copies are collapsed).
		return loadRecord{Type: typ,
			Record: "function_name:" + metricInvocationTotal + ":rate" + w,
			Expr:   promql.SumOverGateways(fmt.Sprintf("rate(%s[%s])", metricInvocationTotal, w), true),
			Fresh:  "function_name:" + metricInvocationTotal + ":irate" + w,
			// A new series' first value counts (promql.FreshRate): the
			// first call to a function at zero through a gateway replica
			// that had not served it fired no at-zero alert.
			FreshExpr: promql.SumOverGateways(promql.FreshRate(metricInvocationTotal, o.Window, o.ScrapeInterval, "function_name, code"), true)}
	case TypeCapacity:
		// The peak of the function's concurrency within the window, so a
		// burst between two evaluations is not missed: the in-flight gauge
		// or, when larger, what the arrivals of a scrape interval bring
		// (which sees bursts that end between two scrapes, and answers
		// alone on a CE gateway, which has no gauge), as
		// metricsource/prometheus reads it (promql.CapacityPeak), so the
		// alert wakes the controller for the load its own query sees. One
		// step per scrape loses no sample; irate over the window holds two
		// scrapes, as the fresh records' does.
		// The mean is the slow group's record, or, until that group has
		// recorded a function, the mean its counters hold
		// (promql.RecordedMeanDuration).
		mean := promql.RecordedMeanDuration(MeanDurationRecord)
		return loadRecord{Type: typ,
			Record:   "function_name:" + metricConcurrency + ":max_over_time" + w,
			Expr:     promql.CapacityPeak(o.Window, o.ScrapeInterval, o.Window, o.ScrapeInterval, mean),
			Last:     "function_name:" + metricConcurrency + ":max_over_time" + Duration(o.ScrapeInterval).String(),
			LastExpr: promql.CapacityPeak(o.ScrapeInterval, o.ScrapeInterval, o.Window, o.ScrapeInterval, mean)}
	case TypeCPU:
		// The fresh rate counts only pods with a sample within
		// CPUFreshBound: the kubelet stamps its samples with the time of
		// its stats, and Prometheus writes no staleness marker for such a
		// series when it disappears (unless track_timestamps_staleness is
		// on, Prometheus ≥ 2.48), so a pod removed by a scale-down kept
		// its last irate() for the window beside the remaining pods',
		// which had taken over its load: the CPU read a third too high
		// after 3 → 2, and the scale-up alert fired for a load that had
		// not changed. timestamp() of the instant selector also honours
		// a staleness marker where Prometheus writes one. rate() needs
		// no guard (it spreads the ended pod's part over the window).
		return loadRecord{Type: typ,
			Record: "function_name:" + metricPodCPU + ":rate" + cw,
			// Each pod once (promql.OncePerPod): a kubelet scraped by two
			// jobs counted every pod's CPU twice.
			Expr:  fmt.Sprintf("sum by (function_name) (%s)", promql.OncePerPod(fmt.Sprintf("rate(%s[%s])", metricPodCPU, cw))),
			Fresh: "function_name:" + metricPodCPU + ":irate" + cw,
			FreshExpr: fmt.Sprintf("sum by (function_name) (%s)", promql.OncePerPod(fmt.Sprintf("irate(%[1]s[%[2]s]) and (timestamp(%[1]s) > time() - %[3]s)",
				metricPodCPU, cw, formatFloat(CPUFreshBound(o).Seconds())))),
			Scale: 1000}
	case TypeQueue:
		// Unfinished asynchronous work: messages waiting plus those the
		// workers run, as metricsource/prometheus reads it. Pending is
		// averaged over the worker replicas of each queue and summed over
		// the function's queues (promql.QueuePending); in-flight is per
		// worker, so it adds up. A worker without the in-flight gauge still
		// yields its pending count.
		//
		// In flight counts each worker replica once, also when Prometheus
		// scrapes it under two jobs or an undeduplicated HA pair holds it
		// twice: a worker pod is one instance, as a gateway pod is, and
		// reads one queue, so its copies differ only in job or replica
		// label (promql.SumOverGateways' grouping). Summed raw, the copies
		// doubled the running messages in the load and the at-zero alert.
		// Pending needs no such step: a queue's copies are averaged.
		return loadRecord{Type: typ,
			Record: "function_name:queue_worker_backlog:pending_plus_inflight",
			Expr:   promql.QueueBacklog()}
	}
	panic("rules: no built-in load for type " + typ)
}

// recordingRules returns, for each selected type, the level:metric:operations
// record followed by the Pro-compatible CurrentLoadRecord{scaling_type}.
// The compatible records are not gated on the function's configured type:
// the alerts join on (function_name, scaling_type) with the controller's
// target gauge, which selects each function's own type.
func recordingRules(o Options) []Rule {
	var out []Rule
	for _, typ := range o.Types {
		lr := builtinLoad(o, typ)
		out = append(out, Rule{Record: lr.Record, Expr: lr.Expr})
		if lr.Fresh != "" {
			out = append(out, Rule{Record: lr.Fresh, Expr: lr.FreshExpr})
		}
		if lr.Last != "" {
			out = append(out, Rule{Record: lr.Last, Expr: lr.LastExpr})
		}
	}
	scaled := func(lr loadRecord, record string) string {
		if lr.Scale != 0 {
			return fmt.Sprintf("%s * %s", formatFloat(lr.Scale), record)
		}
		return record
	}
	for _, typ := range o.Types {
		lr := builtinLoad(o, typ)
		out = append(out, Rule{Record: CurrentLoadRecord, Expr: scaled(lr, lr.Record),
			Labels: map[string]string{"scaling_type": typ}})
	}
	for _, typ := range o.Types {
		lr := builtinLoad(o, typ)
		if lr.Fresh == "" {
			continue
		}
		// max(irate, rate): `a > b or b or a` is a where it is larger, else
		// b, else a. Both read the same counter, but not always both
		// answer: a series' first sample is in the irate record (its value
		// counts, promql.FreshRate) and not yet in rate(), which needs two;
		// without the last `or a`, a burst on a function no gateway had
		// served waited a scrape for its scale-up alert.
		fresh, rate := scaled(lr, lr.Fresh), scaled(lr, lr.Record)
		out = append(out, Rule{Record: FreshLoadRecord,
			Expr:   fmt.Sprintf("%s > %s or %s or %s", fresh, rate, rate, fresh),
			Labels: map[string]string{"scaling_type": typ}})
	}
	for _, c := range o.Custom {
		out = append(out, Rule{Record: CurrentLoadRecord, Expr: c.Expr,
			Labels: map[string]string{"scaling_type": c.Name}})
	}
	return out
}
