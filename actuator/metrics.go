package actuator

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	intents  *prometheus.CounterVec
	pending  prometheus.Gauge
	inflight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faas_autoscaler_actuator_intents_total",
			Help: "Replica changes proposed to the actuator, by proposing component and verdict (applied, dropped and why, error).",
		}, []string{"component", "code"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faas_autoscaler_actuator_pending_intents",
			Help: "Functions with an intent waiting for the actuator.",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faas_autoscaler_actuator_inflight_calls",
			Help: "Provider writes in progress.",
		}),
	}
	for _, c := range Components {
		for _, code := range Codes {
			m.intents.WithLabelValues(string(c), string(code))
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.intents, m.pending, m.inflight} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("actuator: register metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *metrics) outcome(o Outcome) {
	m.intents.WithLabelValues(string(o.Intent.Who), string(o.Code)).Inc()
}
