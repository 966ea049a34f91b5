package leader

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the elector's own, prefixed faas_autoscaler_leader_.
type metrics struct {
	isLeader prometheus.Gauge
	terms    prometheus.Counter
	stops    *prometheus.CounterVec // reason: shutdown, lease_lost, renew_overdue, work_returned
}

// stopReasons are the values of the reason label.
var stopReasons = []string{"shutdown", "lease_lost", "renew_overdue", "work_returned"}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "faas_autoscaler", "leader"
	m := &metrics{
		isLeader: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "is_leader",
			Help: "1 while this replica leads (runs the scaler and idler), else 0."}),
		terms: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "terms_total",
			Help: "Terms of leadership this replica started."}),
		stops: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "stops_total",
			Help: "Terms of leadership that ended, by reason (lease_lost and renew_overdue mean the API server was unreachable or slow)."},
			[]string{"reason"}),
	}
	for _, r := range stopReasons {
		m.stops.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.isLeader, m.terms, m.stops} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("leader metrics are already registered on this registerer: one Elector per registry")
			}
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) started() {
	m.isLeader.Set(1)
	m.terms.Inc()
}

func (m *metrics) stopped(reason string) {
	m.isLeader.Set(0)
	m.stops.WithLabelValues(reason).Inc()
}
