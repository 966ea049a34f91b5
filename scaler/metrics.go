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
	decisions  *prometheus.CounterVec
	scaleCalls *prometheus.CounterVec
	desired    *prometheus.GaugeVec
	replicas   *prometheus.GaugeVec
	available  *prometheus.GaugeVec
	min, max   *prometheus.GaugeVec
	targetLoad *prometheus.GaugeVec
	duration   prometheus.Histogram
	errors     *prometheus.CounterVec
}

func newLoopMetrics(reg prometheus.Registerer) (*loopMetrics, error) {
	fn := []string{labelFunction}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &loopMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricDecisions,
			Help: "Scaling decisions by function and reason code."}, []string{labelFunction, labelReason}),
		scaleCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricScaleCalls,
			Help: "Scale calls to the provider by function and result (ok, refused, error, dry_run)."}, []string{labelFunction, labelResult}),
		desired:    gauge(MetricDesiredReplicas, "Replica count the controller wants for the function.", fn...),
		replicas:   gauge(MetricReplicas, "Desired replica count the provider reports for the function.", fn...),
		available:  gauge(MetricAvailableReplicas, "Ready replica count the provider reports for the function.", fn...),
		min:        gauge(MetricMinReplicas, "The function's minimum replicas (labels or default).", fn...),
		max:        gauge(MetricMaxReplicas, "The function's maximum replicas (labels or default).", fn...),
		targetLoad: gauge(MetricTargetLoad, "Load one replica is sized for: target × target-proportion.", labelFunction, labelScalingType),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricReconcileDuration,
			Help:    "Duration of one full reconcile pass.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricReconcileErrors,
			Help: "Reconcile errors by stage (list, read, load, scale)."}, []string{"stage"}),
	}
	for _, stage := range []string{"list", "read", "load", "scale"} {
		m.errors.WithLabelValues(stage)
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.decisions, m.scaleCalls, m.desired, m.replicas, m.available,
		m.min, m.max, m.targetLoad, m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// fnSeries caches one function's metric handles, so a pass does not hash
// label values for every series of every function (a quarter of a pass's CPU
// at 10k functions before it). Touched only by passes (under passMu).
type fnSeries struct {
	desired, replicas, available prometheus.Gauge
	min, max                     prometheus.Gauge // nil while the spec is invalid
	target                       prometheus.Gauge // nil when no target is exported
	targetType                   string
	decisions                    map[ReasonCode]prometheus.Counter
}

// observe exports one decision into the function's series, creating them
// on first use.
func (m *loopMetrics) observe(ref provider.Ref, spec Spec, specErr error, obs Observation, d Decision, s *fnSeries) {
	// The series name is made only when a series is made or deleted, which
	// a pass over functions that keep their labels never does.
	var name string
	nameOf := func() string {
		if name == "" {
			name = ref.String()
		}
		return name
	}
	if s.desired == nil {
		name := nameOf()
		s.desired = m.desired.WithLabelValues(name)
		s.replicas = m.replicas.WithLabelValues(name)
		s.available = m.available.WithLabelValues(name)
		s.decisions = make(map[ReasonCode]prometheus.Counter, 4)
	}
	c, ok := s.decisions[d.Code]
	if !ok {
		c = m.decisions.WithLabelValues(nameOf(), string(d.Code))
		s.decisions[d.Code] = c
	}
	c.Inc()
	s.replicas.Set(float64(obs.Replicas))
	s.available.Set(float64(obs.Available))
	s.desired.Set(float64(d.Replicas))

	typ := ""
	if specErr == nil && !spec.Step() && !spec.Static() {
		typ = spec.Type
	}
	if s.target != nil && s.targetType != typ {
		m.targetLoad.DeleteLabelValues(nameOf(), s.targetType)
		s.target, s.targetType = nil, ""
	}
	if typ != "" {
		if s.target == nil {
			s.target, s.targetType = m.targetLoad.WithLabelValues(nameOf(), typ), typ
		}
		s.target.Set(spec.PerReplicaTarget())
	}
	if specErr != nil {
		if s.min != nil {
			m.min.DeleteLabelValues(nameOf())
			m.max.DeleteLabelValues(nameOf())
			s.min, s.max = nil, nil
		}
		return
	}
	if s.min == nil {
		s.min, s.max = m.min.WithLabelValues(nameOf()), m.max.WithLabelValues(nameOf())
	}
	s.min.Set(float64(spec.Min))
	s.max.Set(float64(spec.Max))
}

// forget deletes every series of a function that disappeared.
func (m *loopMetrics) forget(ref provider.Ref) {
	name := ref.String()
	match := prometheus.Labels{labelFunction: name}
	m.decisions.DeletePartialMatch(match)
	m.scaleCalls.DeletePartialMatch(match)
	for _, g := range []*prometheus.GaugeVec{m.desired, m.replicas, m.available, m.min, m.max} {
		g.DeleteLabelValues(name)
	}
	m.targetLoad.DeletePartialMatch(match) // every scaling_type it had
}
