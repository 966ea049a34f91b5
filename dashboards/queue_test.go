package dashboards

import "github.com/prometheus/client_golang/prometheus"

// queueWorkerSeries are the JetStream queue-worker's series, for the
// dashboards' queue panels to read on a real Prometheus.
type queueWorkerSeries struct {
	pending, inflight *prometheus.GaugeVec
	processed         *prometheus.CounterVec
}

func newQueueWorkerSeries(reg prometheus.Registerer) *queueWorkerSeries {
	q := &queueWorkerSeries{
		pending:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue_worker_pending_messages"}, []string{"queue_name", "function_name"}),
		inflight:  prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "queue_worker_function_invocation_inflight"}, []string{"function_name"}),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "queue_worker_messages_processed_total"}, []string{"function_name"}),
	}
	reg.MustRegister(q.pending, q.inflight, q.processed)
	return q
}

func (q *queueWorkerSeries) set(fn string) {
	q.pending.WithLabelValues("faas-request", fn).Set(40)
	q.inflight.WithLabelValues(fn).Set(10)
	q.processed.WithLabelValues(fn).Add(1)
}
