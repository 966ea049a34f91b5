package keepalive

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The learning metrics say whether the keep-alive is learning at all: a
// failed or slow activity read used to show only at Debug, and at 100,000
// functions reads of 12 s that made calls 30 s apart look like steady
// traffic were seen only by profiling.

// Reasons for faas_autoscaler_keepalive_unknown_steps_total.
const (
	unknownReadError = "read_error" // the activity read failed
	unknownGap       = "gap"        // a read came more than maxCatchUp steps after a successful one
)

// feederMetrics are the feeder's own, prefixed faas_autoscaler_keepalive_.
type feederMetrics struct {
	reads    *prometheus.CounterVec // result: ok, error
	duration prometheus.Histogram
	unknown  *prometheus.CounterVec // reason: read_error, gap
}

// readBuckets span a fast Prometheus's 10 ms to a read at the default
// step's minute; 15 and 60 are the footprint runs' and the default learn
// step, so the buckets tell the reads slower than the step (the next read
// then reads back over them, up to maxCatchUp steps).
var readBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30, 60}

func newFeederMetrics() *feederMetrics {
	const ns, sub = "faas_autoscaler", "keepalive"
	m := &feederMetrics{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "reads_total",
			Help: "Activity reads the keep-alive's feeder made to learn idle times (one every keep_alive.learn_step), by result (error: nothing learned that step)."},
			[]string{"result"}),
		// A histogram, not a gauge of the last read: scraped every 15-30 s,
		// a gauge shows one read in two at a 15 s step and misses the slow
		// ones between scrapes.
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "read_duration_seconds",
			Help:    "Wall time of one feeder activity read, whatever its result; reads slower than keep_alive.learn_step stretch the next read's window.",
			Buckets: readBuckets}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "unknown_steps_total",
			Help: "Learning steps whose calls are not known, so no idle time is learned across them, by reason (read_error: the read failed; gap: a read came more than 4 steps after a successful one)."},
			[]string{"reason"}),
	}
	for _, r := range []string{"ok", "error"} {
		m.reads.WithLabelValues(r)
	}
	for _, r := range []string{unknownReadError, unknownGap} {
		m.unknown.WithLabelValues(r)
	}
	return m
}

// read records one read that took d; m may be nil (no metrics).
func (m *feederMetrics) read(d time.Duration, err error) {
	if m == nil {
		return
	}
	m.duration.Observe(d.Seconds())
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reads.WithLabelValues(result).Inc()
}

// unknownStep records a Policy.Unknown the feeder called, for reason.
func (m *feederMetrics) unknownStep(reason string) {
	if m != nil {
		m.unknown.WithLabelValues(reason).Inc()
	}
}

// policyCollector exports what a Policy holds, read under its mu at each
// scrape: four fields, no walk over the functions.
type policyCollector struct {
	p                                           *Policy
	idleTimes, maxIdle, functions, learnedSince *prometheus.Desc
}

func newPolicyCollector(p *Policy) *policyCollector {
	const ns, sub = "faas_autoscaler", "keepalive"
	return &policyCollector{p: p,
		idleTimes: prometheus.NewDesc(prometheus.BuildFQName(ns, sub, "idle_times"),
			"Idle times the keep-alive holds, all functions together (bounded by faas_autoscaler_keepalive_max_idle_times).", nil, nil),
		maxIdle: prometheus.NewDesc(prometheus.BuildFQName(ns, sub, "max_idle_times"),
			"The bound on the idle times the keep-alive holds; at it, each function keeps its fair share.", nil, nil),
		functions: prometheus.NewDesc(prometheus.BuildFQName(ns, sub, "functions"),
			"Functions the keep-alive holds a history for (learned from or asked about; forgotten an hour after they stop being listed).", nil, nil),
		learnedSince: prometheus.NewDesc(prometheus.BuildFQName(ns, sub, "learned_since_timestamp_seconds"),
			"How far back the calls the keep-alive learned idle times from reach: after a restart the start of the history its rebuild read, moving back as the fill reads older spans. Absent until the rebuild or the feeder's first read.", nil, nil),
	}
}

func (c *policyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.idleTimes
	ch <- c.maxIdle
	ch <- c.functions
	ch <- c.learnedSince
}

func (c *policyCollector) Collect(ch chan<- prometheus.Metric) {
	c.p.mu.Lock()
	held, fns, bound, since := c.p.idleTimes, len(c.p.fns), maxIdleTimes, c.p.learnedFrom
	c.p.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(c.idleTimes, prometheus.GaugeValue, float64(held))
	ch <- prometheus.MustNewConstMetric(c.maxIdle, prometheus.GaugeValue, float64(bound))
	ch <- prometheus.MustNewConstMetric(c.functions, prometheus.GaugeValue, float64(fns))
	if !since.IsZero() {
		// Missing, not 0 (1970), until something was read.
		ch <- prometheus.MustNewConstMetric(c.learnedSince, prometheus.GaugeValue, float64(since.UnixMilli())/1e3)
	}
}

// registerLearning registers the feeder's metrics and its policy's gauges
// on reg. The controller builds its feeder once and a configuration reload
// rebuilds nothing, so a second registration on one registry is a wiring
// mistake, said as such rather than exporting a second feeder's counts
// under the first's.
func registerLearning(reg prometheus.Registerer, m *feederMetrics, p *Policy) error {
	for _, c := range []prometheus.Collector{m.reads, m.duration, m.unknown, newPolicyCollector(p)} {
		if err := reg.Register(c); err != nil {
			if are := (prometheus.AlreadyRegisteredError{}); errors.As(err, &are) {
				return errors.New("keepalive: the feeder's metrics are already registered on this registerer: one Feeder per registry")
			}
			return fmt.Errorf("keepalive: register metrics: %w", err)
		}
	}
	return nil
}
