package leader

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the elector's own, prefixed faas_autoscaler_leader_.
type metrics struct {
	isLeader prometheus.Gauge
	held     prometheus.GaugeFunc
	terms    prometheus.Counter
	stops    *prometheus.CounterVec // reason: shutdown, lease_lost, renew_overdue, work_returned
}

// stopReasons are the values of the reason label.
var stopReasons = []string{"shutdown", "lease_lost", "renew_overdue", "work_returned"}

// newMetrics makes the metrics, lease_held reading held at each scrape.
func newMetrics(reg prometheus.Registerer, held func() float64) (*metrics, error) {
	const ns, sub = "faas_autoscaler", "leader"
	m := &metrics{
		isLeader: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "is_leader",
			Help: "1 while this replica leads (runs the scaler and idler), else 0."}),
		// lease_held tells a leader that Prometheus does not scrape (a
		// network policy, a scrape timeout) from no leader at all: a
		// scraped follower that sees the leader renew reads 1, so
		// FaasAutoscalerNoLeader need not fire on is_leader alone.
		held: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: "lease_held",
			Help: "1 while the Lease, as this replica last read or wrote it less than the lease duration ago, " +
				"named a holder (this replica or another) whose term had not expired at that read, on this replica's clock, else 0."}, held),
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
	for _, c := range []prometheus.Collector{m.isLeader, m.held, m.terms, m.stops} {
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
