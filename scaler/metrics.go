package scaler

import (
	"errors"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/internal/exposition"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Metric names. The function_* gauges are what the generated Prometheus
// alert rules compare load against: keep the names stable.
const (
	metricPrefix = "faas_autoscaler_"

	MetricDecisions          = metricPrefix + "decisions_total"
	MetricScaleCalls         = actuator.MetricScaleCalls // the actuator's: every write it sends (scaler, idler, pre-warm)
	MetricDesiredReplicas    = metricPrefix + "function_desired_replicas"
	MetricReplicas           = metricPrefix + "function_replicas"
	MetricAvailableReplicas  = metricPrefix + "function_available_replicas"
	MetricMinReplicas        = metricPrefix + "function_min_replicas"
	MetricMaxReplicas        = metricPrefix + "function_max_replicas"
	MetricTargetLoad         = metricPrefix + "function_target_load"
	MetricReconcileDuration  = metricPrefix + "reconcile_duration_seconds"
	MetricReconcileErrors    = metricPrefix + "reconcile_errors_total"
	MetricPassScrapeAge      = metricPrefix + "pass_scrape_age_seconds"
	labelFunction            = "function_name"
	labelScalingType         = "scaling_type"
	labelReason, labelResult = "reason", "result"
)

type loopMetrics struct {
	duration  prometheus.Histogram
	errors    *prometheus.CounterVec
	scrapeAge prometheus.Gauge
}

func newLoopMetrics() *loopMetrics {
	m := &loopMetrics{
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: MetricReconcileDuration,
			Help:    "Duration of one full reconcile pass.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricReconcileErrors,
			Help: "Reconcile errors by stage (list, read, load, scale); load counts passes whose load read failed, once a pass."}, []string{"stage"}),
		scrapeAge: prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricPassScrapeAge,
			Help: "Time from the gateway's last scrape slot to the last full pass, when the metrics source tells it (scaler.align_lag times the passes after the scrapes). The slot is Prometheus' schedule carried forward, not a successful scrape: it does not grow while the gateway is down."}),
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
	for _, c := range []prometheus.Collector{m.duration, m.errors, m.scrapeAge} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := exposition.Register(reg, fnSeries{l: l}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// The per-function series (desired, replicas, available, min, max, target
// load, decisions by reason) are written at each scrape from what the loop
// keeps of each function's last decision. They were stored client_golang
// series (3.6 KB a function), then const metrics made per scrape (about
// 1 KB a function of garbage per scrape: each metric, its label pairs and
// the registry's copies); now they are streamed as text (see
// internal/exposition), from a snapshot of one small row a function.
const (
	helpDesired   = "Replica count the controller wants for the function."
	helpReplicas  = "Desired replica count the provider reports for the function."
	helpAvailable = "Ready replica count the provider reports for the function."
	helpMin       = "The function's minimum replicas (labels or default)."
	helpMax       = "The function's maximum replicas (labels or default)."
	helpTarget    = "Load one replica is sized for: target × target-proportion; for step mode (scaling_type=step), the invocation rate its alert fires above."
	helpDecisions = "Scaling decisions by function and reason code."
)

// fnRow is what one scrape copies of a function's state. The state's
// ref is read through fs after the lock: it is set when the state is made
// and never changed (48 bytes a row, not 72 with the ref copied).
type fnRow struct {
	fs                  *fnState
	desired, rep, avail uint64
	spec                *Spec  // nil while the labels are invalid; never changed once parsed
	counts              uint32 // the row's codeCounts: snapshot.counts[counts:counts+n]
	n                   uint32
}

// fnSeries streams the per-function families from the loop's state.
type fnSeries struct{ l *Loop }

// snapshot copies the decided functions' rows, sorted by function_name as
// a registry sorts series, and their decision counts into one slice. The
// rows come in the loop's kept order (order): sorting 100,000 rows at
// every scrape cost as much as writing them, for a fleet that seldom
// changes; after a change the order is sorted again outside the lock.
//
// A replica that does not lead exports no rows. Its rows are what it last
// saw while it led, frozen from the moment its term ended (it keeps its
// state for the next term), and the generated rules merge the replicas'
// series with max by (function_name): a stale replica count of 10 beside
// the leader's 2 raised the scale-up threshold fivefold. Nor does a
// replica leading again before its term's first pass has decided
// (heldOver): its rows are still the last term's.
func (c fnSeries) snapshot() ([]fnRow, []codeCount) {
	if lead := c.l.cfg.Leading; lead != nil && !lead() {
		return nil, nil
	}
	l := c.l
	l.mu.Lock()
	if l.heldOver {
		l.mu.Unlock()
		return nil, nil
	}
	order := l.order
	if order == nil {
		gen := l.orderGen
		order = make([]*fnState, 0, len(l.fns))
		for _, fs := range l.fns {
			order = append(order, fs)
		}
		l.mu.Unlock()
		slices.SortFunc(order, func(a, b *fnState) int { return compareRefs(a.ref, b.ref) })
		l.mu.Lock()
		if l.orderGen == gen {
			l.order = order
		}
		// Else a function came or went while it was sorted: this scrape
		// writes the functions as they were (one forgotten since is
		// skipped below), the next sorts again.
	}
	// The counts slice is made at its exact size: room for one a function
	// regrew through 1.25× steps when functions had had several codes,
	// garbage of three times the slice at every scrape (100,000 functions
	// with three codes each).
	nrows, ncounts := 0, 0
	for _, fs := range order {
		if fs.decided && !fs.forgotten {
			fs.settleCounts()
			nrows++
			ncounts += len(fs.counts)
		}
	}
	rows := make([]fnRow, 0, nrows)
	counts := make([]codeCount, 0, ncounts)
	for _, fs := range order {
		if !fs.decided || fs.forgotten {
			continue
		}
		r := fnRow{fs: fs, desired: fs.desired(), rep: fs.replicas, avail: fs.obs.available,
			counts: uint32(len(counts)), n: uint32(len(fs.counts))}
		if fs.specErr() == nil {
			r.spec = fs.spec
		}
		counts = append(counts, fs.counts...)
		rows = append(rows, r)
	}
	l.mu.Unlock()
	return rows, counts
}

// WriteText writes the seven families, copying the state under the lock
// and writing after it: a slow scraper must not hold passes.
func (c fnSeries) WriteText(w *exposition.Writer) error {
	rows, counts := c.snapshot()
	names := codeNames() // after the snapshot: it has every code the counts hold
	fn := func(r *fnRow) exposition.Label {
		return exposition.Label{Name: labelFunction, Value: r.fs.ref.Name, Suffix: r.fs.ref.Namespace}
	}
	w.Family(MetricDecisions, helpDecisions, "counter")
	for i := range rows {
		r := &rows[i]
		cs := counts[r.counts : r.counts+r.n]
		// The registry sorted a function's counts by reason.
		slices.SortFunc(cs, func(a, b codeCount) int { return strings.Compare(string(names[a.code]), string(names[b.code])) })
		for _, cc := range cs {
			w.Sample(MetricDecisions, float64(cc.n), fn(r), exposition.Label{Name: labelReason, Value: string(names[cc.code])})
		}
	}
	gauge := func(name, help string, value func(r *fnRow) (float64, bool)) {
		w.Family(name, help, "gauge")
		for i := range rows {
			if v, ok := value(&rows[i]); ok {
				w.Sample(name, v, fn(&rows[i]))
			}
		}
	}
	gauge(MetricAvailableReplicas, helpAvailable, func(r *fnRow) (float64, bool) { return float64(r.avail), true })
	gauge(MetricDesiredReplicas, helpDesired, func(r *fnRow) (float64, bool) { return float64(r.desired), true })
	gauge(MetricMaxReplicas, helpMax, func(r *fnRow) (float64, bool) {
		return float64(specOr(r.spec).Max), r.spec != nil
	})
	gauge(MetricMinReplicas, helpMin, func(r *fnRow) (float64, bool) {
		return float64(specOr(r.spec).Min), r.spec != nil
	})
	gauge(MetricReplicas, helpReplicas, func(r *fnRow) (float64, bool) { return float64(r.rep), true })
	w.Family(MetricTargetLoad, helpTarget, "gauge")
	for i := range rows {
		r := &rows[i]
		switch {
		case r.spec == nil || r.spec.Static() && r.rep > 0:
			// A running static function is never scaled: no target, so no
			// alert fires for it. At zero it wakes on load like any other,
			// and the generated at-zero alert joins on its target.
		case r.spec.Step():
			// What the generated step alert compares the rate with.
			w.Sample(MetricTargetLoad, StepAlertRate, fn(r), exposition.Label{Name: labelScalingType, Value: TypeStep})
		default:
			w.Sample(MetricTargetLoad, r.spec.PerReplicaTarget(), fn(r), exposition.Label{Name: labelScalingType, Value: r.spec.Type})
		}
	}
	return w.Err()
}

// specOr is *s, or the zero Spec when s is nil.
func specOr(s *Spec) Spec {
	if s == nil {
		return Spec{}
	}
	return *s
}

// compareRefs orders refs as their String forms ("name.namespace") order,
// without building those strings.
func compareRefs(a, b provider.Ref) int {
	at := func(r provider.Ref, i int) (byte, bool) {
		switch {
		case i < len(r.Name):
			return r.Name[i], true
		case r.Namespace == "":
			return 0, false
		case i == len(r.Name):
			return '.', true
		case i-len(r.Name)-1 < len(r.Namespace):
			return r.Namespace[i-len(r.Name)-1], true
		}
		return 0, false
	}
	for i := 0; ; i++ {
		x, okA := at(a, i)
		y, okB := at(b, i)
		switch {
		case !okA && !okB:
			return 0
		case !okA:
			return -1
		case !okB:
			return 1
		case x != y:
			return int(x) - int(y)
		}
	}
}

// codeCount is how many decisions a function had with one reason code: 8
// bytes (codeindex.go). 32 bits count a function's decisions for 136 years
// at one a second (a function is decided once a pass, every few seconds,
// and once more an alert); past that the counter starts again from zero,
// which Prometheus's rate() reads as a counter reset, as after a restart.
type codeCount struct {
	code codeIndex
	n    uint32
}

// countDecision adds one decision with code to counts (a few codes per
// function: a slice beats a map).
func countDecision(counts []codeCount, code ReasonCode) []codeCount {
	return countDecisions(counts, code, 1)
}

// countDecisions adds k decisions with code to counts. The function's own
// codes are compared by name first, as when they held the code itself
// (constants: equal strings share their bytes): only a code new to the
// function pays for indexOf's map lookup, not each of the replay's
// millions of decisions.
func countDecisions(counts []codeCount, code ReasonCode, k uint32) []codeCount {
	names := codeNames()
	for j := range counts {
		if names[counts[j].code] == code {
			counts[j].n += k
			return counts
		}
	}
	return append(counts, codeCount{indexOf(code), k})
}

// settleCounts adds to fs's counts the repeats' decisions, which repeat
// does not count: every decision numbers itself (seq), and those the
// counts lack are the repeats since the last decision counted, each of
// them its last record's code (a repeat changes no code). Counted at each
// repeat, one function's counts were a quarter of a repeat's cost: a
// cache line of its own, touched for each of the replay's 3.4 million
// repeats a day. The counts and seq wrap alike at 32 bits, so their
// difference holds across a wrap. mu is held.
func (fs *fnState) settleCounts() {
	k := fs.seq
	for _, c := range fs.counts {
		k -= c.n
	}
	if k != 0 && len(fs.history) > 0 {
		fs.counts = countDecisions(fs.counts, fs.history[len(fs.history)-1].Code, k)
	}
}
