package teststack

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Exporter is an httptest server serving Registry on /metrics, for a real
// Prometheus to scrape. It is closed by t.Cleanup.
type Exporter struct {
	Registry *prometheus.Registry
	srv      *httptest.Server
}

// NewExporter starts an exporter on a loopback port.
func NewExporter(t testing.TB) *Exporter {
	t.Helper()
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return &Exporter{Registry: reg, srv: srv}
}

// Addr is host:port, as Target.URL wants it.
func (e *Exporter) Addr() string { return strings.TrimPrefix(e.srv.URL, "http://") }

// URL is the metrics URL, http://host:port/metrics.
func (e *Exporter) URL() string { return e.srv.URL + "/metrics" }

// GatewayMetrics are the OpenFaaS gateway series the controller reads, with
// the gateway's names and labels (see reference/openfaas.md).
type GatewayMetrics struct {
	Total    *prometheus.CounterVec // gateway_function_invocation_total{function_name,code}
	Started  *prometheus.CounterVec // gateway_function_invocation_started{function_name}
	Inflight *prometheus.GaugeVec   // gateway_function_invocation_inflight{function_name}
	Replicas *prometheus.GaugeVec   // gateway_service_count{function_name}
	// Seconds is the request duration histogram, observed when a request
	// ends: gateway_functions_seconds{function_name,code}.
	Seconds *prometheus.HistogramVec
}

// NewGatewayMetrics registers the gateway series on reg.
func NewGatewayMetrics(reg prometheus.Registerer) *GatewayMetrics {
	g := &GatewayMetrics{
		Total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_function_invocation_total",
			Help: "Completed function invocations by function_name and code.",
		}, []string{"function_name", "code"}),
		Started: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_function_invocation_started",
			Help: "Started function invocations by function_name.",
		}, []string{"function_name"}),
		Inflight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_function_invocation_inflight",
			Help: "In-flight function invocations by function_name.",
		}, []string{"function_name"}),
		Replicas: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "gateway_service_count",
			Help: "Desired replicas by function_name.",
		}, []string{"function_name"}),
		Seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_functions_seconds", Help: "Function time taken", Buckets: prometheus.DefBuckets,
		}, []string{"function_name", "code"}),
	}
	reg.MustRegister(g.Total, g.Started, g.Inflight, g.Replicas, g.Seconds)
	return g
}
