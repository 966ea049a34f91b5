package idler

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the idler's own, prefixed faas_autoscaler_idler_.
type metrics struct {
	runs         *prometheus.CounterVec // result: ok, error, stopped
	idled        prometheus.Counter
	restored     prometheus.Counter
	skipped      *prometheus.CounterVec // reason: a Code other than idle
	cycle        prometheus.Histogram
	atZero       prometheus.Gauge
	missingData  *prometheus.CounterVec // reason: source_error, not_covered, recheck_error
	refused      prometheus.Counter
	scaleErrors  prometheus.Counter
	queriesCycle prometheus.Gauge
}

// Reasons for missing_data_cycles_total.
const (
	missingSourceError  = "source_error"
	missingNotCovered   = "not_covered"
	missingRecheckError = "recheck_error"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "faas_autoscaler", "idler"
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "runs_total",
			Help: "Idler cycles run, by result (ok: ran to its end; error: the provider could not list functions; stopped: the term ended before the cycle did)."}, []string{"result"}),
		idled: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "functions_idled_total",
			Help: "Functions scaled to zero by the idler."}),
		restored: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "functions_restored_total",
			Help: "Functions raised from zero by --maintain-min, an active scheduled minimum, or one that starts before the idler's next run (raised ahead of it)."}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "skipped_total",
			Help: "Functions not scaled to zero in a cycle that ran to its end (runs_total{result=\"ok\"}), by reason."}, []string{"reason"}),
		cycle: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "cycle_duration_seconds",
			Help:    "Wall time of one idler cycle.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		atZero: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "functions_at_zero",
			Help: "Functions at zero desired replicas after the last cycle."}),
		missingData: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "missing_data_cycles_total",
			Help: "Activity queries whose data could not be used, so nothing was idled for their window, by reason."}, []string{"reason"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "refused_total",
			Help: "Scale-to-zero calls the provider refused (e.g. OpenFaaS CE)."}),
		scaleErrors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "scale_errors_total",
			Help: "Scale calls that failed for reasons other than a refusal."}),
		queriesCycle: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "activity_queries",
			Help: "Activity queries issued by the last cycle (one per distinct keep-alive, plus one re-check)."}),
	}
	for _, r := range []string{"ok", "error", "stopped"} {
		m.runs.WithLabelValues(r)
	}
	for _, c := range Codes {
		if c != CodeIdle {
			m.skipped.WithLabelValues(string(c))
		}
	}
	for _, r := range []string{missingSourceError, missingNotCovered, missingRecheckError} {
		m.missingData.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.runs, m.idled, m.restored, m.skipped, m.cycle, m.atZero,
		m.missingData, m.refused, m.scaleErrors, m.queriesCycle} {
		errs = append(errs, reg.Register(c))
	}
	return m, errors.Join(errs...)
}
