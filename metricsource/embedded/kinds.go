package embedded

import "github.com/faas-autoscaler/faas-autoscaler/internal/promql"

// The gateway series kept, the kinds they are stored as, and how long
// each kind keeps its points: what a sample is before it joins a series.

// Gateway series the source keeps; everything else in a scrape is ignored.
const (
	MetricTotal    = "gateway_function_invocation_total"
	MetricStarted  = promql.MetricStarted
	MetricInflight = promql.MetricInflight
	// MetricReplicas is the gateway's replica count per function: a fall to
	// 0 and a rise from it are a wake from zero (Activity.Woken).
	MetricReplicas = "gateway_service_count"
	// MetricSecondsSum and MetricSecondsCount are the gateway's request
	// duration histogram's sum and count (gateway_functions_seconds). Both
	// grow when a request ends; over minutes they give the function's mean
	// request duration, which weighs its arrivals (see arrivals).
	MetricSecondsSum   = promql.MetricSecondsSum
	MetricSecondsCount = promql.MetricSecondsCount
)

// Sample is one gateway series' value in a scrape. The trace simulator
// builds these directly and feeds them through Observe.
type Sample struct {
	Metric       string // one of the Metric* names; others are ignored
	FunctionName string // the gateway's function_name label, "name.namespace" or "name"
	Code         string // HTTP code label of MetricTotal; empty otherwise
	// Instance is the series' other labels, if any (parse renders them as
	// sorted name="value" pairs): what tells apart the series of several
	// gateway replicas in one exposition (instance, pod). Series apart only
	// in it are summed, each with its own resets, as Prometheus'
	// sum(rate(...)) by (function_name) reads them. Empty for one gateway.
	Instance string
	Value    float64
}

type metricKind uint8

const (
	kindTotal metricKind = iota
	kindStarted
	kindInflight
	kindReplicas
	kindSecondsSum
	kindSecondsCount
	// kindArrivals is derived, not scraped: the concurrency the interval's
	// arrivals bring (see arrivals), one series per function.
	kindArrivals
)

// metricOf is each scraped kind's metric name (kindOf's inverse).
var metricOf = [...]string{kindTotal: MetricTotal, kindStarted: MetricStarted, kindInflight: MetricInflight,
	kindReplicas: MetricReplicas, kindSecondsSum: MetricSecondsSum, kindSecondsCount: MetricSecondsCount}

// keepStartedTotal is store.keep's entry for the invocation counter of a
// function that has the started counter: only rps loads read its history
// (activity reads its value at the latest scrape, the started counts and
// the arrivals come from the started counter), so while the scaler asks
// capacity and no rps it keeps its latest point alone. Kept for the
// retention, a busy function's added about a tenth of a replayed day's
// bytes allocated, in arrays of hours of points.
const keepStartedTotal = kindArrivals + 1

// keeps is how long each kind's series keep their points (store.keep),
// and keepStartedTotal's.
type keeps [keepStartedTotal + 1]int64

// keepOf is how long fn's series of kind k keep their points under keep.
func (fn *function) keepOf(k metricKind, keep *keeps) int64 {
	if k == kindTotal && fn.trimsTotal() {
		return keep[keepStartedTotal]
	}
	return keep[k]
}

// counter: the scraped series only rises, but for a reset.
func (k metricKind) counter() bool {
	return k == kindTotal || k == kindStarted || k == kindSecondsSum || k == kindSecondsCount
}

// coded: the series' key holds the sample's code label.
func (k metricKind) coded() bool {
	return k == kindTotal || k == kindSecondsSum || k == kindSecondsCount
}

func kindOf(metric string) (metricKind, bool) {
	switch metric {
	case MetricTotal:
		return kindTotal, true
	case MetricStarted:
		return kindStarted, true
	case MetricInflight:
		return kindInflight, true
	case MetricReplicas:
		return kindReplicas, true
	case MetricSecondsSum:
		return kindSecondsSum, true
	case MetricSecondsCount:
		return kindSecondsCount, true
	}
	return 0, false
}

// seriesKey names a series within one function. The raw function_name is
// part of it: "figlet" and "figlet.openfaas-fn" are two gateway series of
// the same function and add up; so is inst (Sample.Instance): two gateway
// replicas' series of a function add up too.
type seriesKey struct {
	kind metricKind
	name string
	code string
	inst string
}

// readsLoad: peak reads series of kind.
func (k metricKind) readsLoad() bool { return k == kindInflight || k == kindArrivals }
