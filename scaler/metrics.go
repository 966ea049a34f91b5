package scaler

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Metric names. The function_* gauges are what the generated Prometheus
// alert rules compare load against: keep the names stable.
const (
	metricPrefix = "faas_autoscaler_"

	MetricDecisions          = metricPrefix + "decisions_total"
	MetricScaleCalls         = metricPrefix + "scale_calls_total"
	MetricDesiredReplicas    = metricPrefix + "function_desired_replicas"
	MetricReplicas           = metricPrefix + "function_replicas"
	MetricAvailableReplicas  = metricPrefix + "function_available_replicas"
	MetricMinReplicas        = metricPrefix + "function_min_replicas"
	MetricMaxReplicas        = metricPrefix + "function_max_replicas"
	MetricTargetLoad         = metricPrefix + "function_target_load"
	MetricReconcileDuration  = metricPrefix + "reconcile_duration_seconds"
	MetricReconcileErrors    = metricPrefix + "reconcile_errors_total"
	labelFunction            = "function_name"
	labelScalingType         = "scaling_type"
	labelReason, labelResult = "reason", "result"
)

type loopMetrics struct {
	scaleCalls *prometheus.CounterVec
	duration   prometheus.Histogram
	errors     *prometheus.CounterVec
}

func newLoopMetrics() *loopMetrics {
	m := &loopMetrics{
		scaleCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricScaleCalls,
			Help: "Scale calls to the provider by function and result (ok, refused, error, dry_run)."}, []string{labelFunction, labelResult}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricReconcileDuration,
			Help:    "Duration of one full reconcile pass.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricReconcileErrors,
			Help: "Reconcile errors by stage (list, read, load, scale)."}, []string{"stage"}),
	}
	for _, stage := range []string{"list", "read", "load", "scale"} {
		m.errors.WithLabelValues(stage)
	}
	return m
}

// register registers the loop's metrics on reg (nil: nowhere), the
// per-function series as a collector of the loop's own state.
func (m *loopMetrics) register(reg prometheus.Registerer, l *Loop) error {
	if reg == nil {
		return nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.scaleCalls, m.duration, m.errors, &fnCollector{l: l}} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// forget deletes the stored series of a function that disappeared (the
// per-function gauges and decision counts go with its state).
func (m *loopMetrics) forget(ref provider.Ref) {
	m.scaleCalls.DeletePartialMatch(prometheus.Labels{labelFunction: ref.String()})
}

// The per-function series (desired, replicas, available, min, max, target
// load, decisions by reason) are made at each scrape from what the loop
// keeps of each function's last decision, instead of being stored as
// client_golang series and set on every pass: those were 3.6 KB and seven
// updates per function per pass (a third of the loop's memory at 10,000
// functions).
var (
	descDesired   = prometheus.NewDesc(MetricDesiredReplicas, "Replica count the controller wants for the function.", []string{labelFunction}, nil)
	descReplicas  = prometheus.NewDesc(MetricReplicas, "Desired replica count the provider reports for the function.", []string{labelFunction}, nil)
	descAvailable = prometheus.NewDesc(MetricAvailableReplicas, "Ready replica count the provider reports for the function.", []string{labelFunction}, nil)
	descMin       = prometheus.NewDesc(MetricMinReplicas, "The function's minimum replicas (labels or default).", []string{labelFunction}, nil)
	descMax       = prometheus.NewDesc(MetricMaxReplicas, "The function's maximum replicas (labels or default).", []string{labelFunction}, nil)
	descTarget    = prometheus.NewDesc(MetricTargetLoad, "Load one replica is sized for: target × target-proportion.", []string{labelFunction, labelScalingType}, nil)
	descDecisions = prometheus.NewDesc(MetricDecisions, "Scaling decisions by function and reason code.", []string{labelFunction, labelReason}, nil)
)

// fnCollector exports the per-function series from the loop's state.
type fnCollector struct{ l *Loop }

func (c *fnCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDesired, descReplicas, descAvailable, descMin, descMax, descTarget, descDecisions} {
		ch <- d
	}
}

func (c *fnCollector) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		name                string
		desired, rep, avail float64
		spec                *Spec // nil while the labels are invalid
		counts              []codeCount
	}
	// Copy under the lock, send after: a slow scraper must not hold passes.
	c.l.mu.Lock()
	rows := make([]row, 0, len(c.l.fns))
	for ref, fs := range c.l.fns {
		if !fs.decided {
			continue
		}
		r := row{name: ref.String(), desired: float64(fs.desired), rep: float64(fs.obs.Replicas),
			avail: float64(fs.obs.Available), counts: append([]codeCount(nil), fs.counts...)}
		if fs.specErr == nil {
			r.spec = fs.spec // never changed once parsed: no copy needed
		}
		rows = append(rows, r)
	}
	c.l.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, r := range rows {
		gauge(descDesired, r.desired, r.name)
		gauge(descReplicas, r.rep, r.name)
		gauge(descAvailable, r.avail, r.name)
		if r.spec != nil {
			gauge(descMin, float64(r.spec.Min), r.name)
			gauge(descMax, float64(r.spec.Max), r.name)
			if !r.spec.Step() && !r.spec.Static() {
				gauge(descTarget, r.spec.PerReplicaTarget(), r.name, r.spec.Type)
			}
		}
		for _, cc := range r.counts {
			ch <- prometheus.MustNewConstMetric(descDecisions, prometheus.CounterValue, float64(cc.n), r.name, string(cc.code))
		}
	}
}

// codeCount is how many decisions a function had with one reason code.
type codeCount struct {
	code ReasonCode
	n    uint64
}

// countDecision adds one decision with code to counts (a few codes per
// function: a slice beats a map).
func countDecision(counts []codeCount, code ReasonCode) []codeCount {
	for i := range counts {
		if counts[i].code == code {
			counts[i].n++
			return counts
		}
	}
	return append(counts, codeCount{code, 1})
}
