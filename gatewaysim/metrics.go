package gatewaysim

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gatewayMetrics are the OpenFaaS gateway's metrics, by the names and labels
// of the reference (faas/gateway/metrics).
type gatewayMetrics struct {
	total        *prometheus.CounterVec
	startedC     *prometheus.CounterVec
	seconds      *prometheus.HistogramVec // nil when not exported (Config.NoLatency)
	serviceCount *prometheus.GaugeVec
	inflightG    *prometheus.GaugeVec // nil when not exported (CE)
}

func newGatewayMetrics(reg prometheus.Registerer, inflight, latency bool) *gatewayMetrics {
	m := &gatewayMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_function_invocation_total", Help: "Function metrics",
		}, []string{"function_name", "code"}),
		startedC: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_function_invocation_started", Help: "The total number of function HTTP requests started.",
		}, []string{"function_name"}),
		serviceCount: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_service_count", Help: "Current count of replicas for function",
		}, []string{"function_name"}),
	}
	reg.MustRegister(m.total, m.startedC, m.serviceCount)
	if latency {
		m.seconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_functions_seconds", Help: "Function time taken", Buckets: prometheus.DefBuckets,
		}, []string{"function_name", "code"})
		reg.MustRegister(m.seconds)
	}
	if inflight {
		m.inflightG = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_function_invocation_inflight", Help: "Function requests in flight",
		}, []string{"function_name"})
		reg.MustRegister(m.inflightG)
	}
	return m
}

func (m *gatewayMetrics) started(fn string, n int) {
	m.startedC.WithLabelValues(fn).Add(float64(n))
}

func (m *gatewayMetrics) complete(fn, code string, n int, latency time.Duration) {
	m.total.WithLabelValues(fn, code).Add(float64(n))
	if m.seconds == nil {
		return
	}
	h := m.seconds.WithLabelValues(fn, code)
	for range n {
		h.Observe(latency.Seconds())
	}
}

func (m *gatewayMetrics) inflight(fn string, n int) {
	if m.inflightG != nil {
		m.inflightG.WithLabelValues(fn).Set(float64(n))
	}
}
