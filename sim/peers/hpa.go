package peers

import (
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// HPA is the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) with an
// External metric of type AverageValue: the function's average concurrency
// (in-flight + queued) over MetricWindow, per replica. Written from
// pkg/controller/podautoscaler (replica_calculator.go, horizontal.go) and the
// v2 behaviour defaults, with the clock injected:
//
//   - desired = ceil(metric / target), unchanged while 1 − Tolerance ≤
//     metric / (target × current) ≤ 1 + Tolerance (both bounds inclusive);
//   - scale-up: stabilisation 0, policies {4 pods, 100 %} per 15 s, Max;
//   - scale-down: stabilisation 300 s (highest recommendation in the
//     window), policy 100 % per 15 s;
//   - sync every 15 s; clamped to [Min, Max].
//
// Min 1: a plain HPA never scales to zero (HPAScaleToZero needs an external
// activator to come back; see KEDA).
type HPA struct {
	Sync, DownStabilisation, UpStabilisation, MetricWindow time.Duration
	Tolerance                                              float64
	Min, Max                                               int
	// TargetUtilisation × concurrency is the per-replica target.
	TargetUtilisation float64
}

// DefaultHPA returns the upstream defaults and a 70 % utilisation target.
func DefaultHPA() HPA {
	return HPA{Sync: 15 * time.Second, DownStabilisation: 300 * time.Second, MetricWindow: time.Minute,
		Tolerance: 0.1, Min: 1, Max: 1000, TargetUtilisation: 0.7}
}

func (HPA) Name() string { return "k8s-hpa" }

func (h HPA) NewController(fn sim.FunctionInfo, start time.Time) sim.Controller {
	return &hpaCtl{hpaCore: newHPACore(h, fn), next: start.Add(h.Sync)}
}

// scaleEvent is a change applied by the HPA, for the rate policies.
type scaleEvent struct {
	at     time.Time
	change int
}

type recommendation struct {
	at       time.Time
	replicas int
}

// hpaCore is the HPA's state; KEDA reuses it for 1↔N.
type hpaCore struct {
	h       HPA
	target  float64
	samples []loadSample
	recs    []recommendation
	ups     []scaleEvent
	downs   []scaleEvent
}

type loadSample struct {
	at      time.Time
	loadSec float64
}

func newHPACore(h HPA, fn sim.FunctionInfo) hpaCore {
	return hpaCore{h: h, target: h.TargetUtilisation * float64(fn.Concurrency)}
}

// metric is the average concurrency over the metric window ending now.
func (c *hpaCore) metric(now time.Time, s sim.State) (float64, bool) {
	c.samples = append(c.samples, loadSample{now, s.LoadSeconds})
	k := 0
	for k < len(c.samples)-1 && now.Sub(c.samples[k+1].at) >= c.h.MetricWindow {
		k++
	}
	// Moved to the front, not resliced: reslicing from the front shrank the
	// capacity by a sample a sync, so append moved the window to a new
	// array every few syncs (a third of the bytes a day's replay allocated).
	c.samples = c.samples[:copy(c.samples, c.samples[k:])]
	first := c.samples[0]
	dt := now.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0, false
	}
	return (s.LoadSeconds - first.loadSec) / dt, true
}

// recommend computes the metric's desired replicas (replica_calculator).
func (c *hpaCore) recommend(metric float64, current int) (int, string) {
	if current == 0 {
		return 0, "scaled_to_zero"
	}
	ratio := metric / (c.target * float64(current))
	// Upstream's form (Tolerances.isWithin): 1 − tol ≤ ratio ≤ 1 + tol.
	// Not |ratio − 1| ≤ tol, which differs in floating point at the bounds:
	// a ratio of exactly 1.1 gives 1.1 − 1 = 0.10000000000000009 > 0.1.
	if 1-c.h.Tolerance <= ratio && ratio <= 1+c.h.Tolerance {
		return current, "within_tolerance"
	}
	return int(math.Ceil(metric / c.target)), "metric_ratio"
}

// normalise applies stabilisation, rate policies and bounds
// (normalizeDesiredReplicasWithBehaviors).
func (c *hpaCore) normalise(now time.Time, current, desired int) (int, string) {
	up, down := desired, desired
	upCut, downCut := now.Add(-c.h.UpStabilisation), now.Add(-c.h.DownStabilisation)
	keep := c.recs[:0]
	for _, r := range c.recs {
		if r.at.After(upCut) {
			up = min(up, r.replicas)
		}
		if r.at.After(downCut) {
			down = max(down, r.replicas)
			keep = append(keep, r)
		}
	}
	c.recs = append(keep, recommendation{now, desired})
	rec, reason := current, "stabilised"
	if rec < up {
		rec, reason = up, "scale_up"
	}
	if rec > down {
		rec, reason = down, "scale_down"
	}
	if rec > current {
		start := current - sumChanges(c.ups, now, 15*time.Second) + sumChanges(c.downs, now, 15*time.Second)
		limit := max(start+4, int(math.Ceil(float64(start)*2)))
		if rec > limit {
			rec, reason = limit, "scale_up_limit"
		}
	} else if rec < current {
		// 100 % per 15 s: no limit short of zero.
		rec = max(rec, 0)
	}
	if rec > c.h.Max {
		rec, reason = c.h.Max, "too_many_replicas"
	}
	if rec < c.h.Min {
		rec, reason = c.h.Min, "too_few_replicas"
	}
	return rec, reason
}

func (c *hpaCore) record(now time.Time, from, to int) {
	switch {
	case to > from:
		c.ups = append(pruneEvents(c.ups, now), scaleEvent{now, to - from})
	case to < from:
		c.downs = append(pruneEvents(c.downs, now), scaleEvent{now, from - to})
	}
}

func sumChanges(ev []scaleEvent, now time.Time, period time.Duration) int {
	n := 0
	for _, e := range ev {
		if e.at.Add(period).After(now) {
			n += e.change
		}
	}
	return n
}

func pruneEvents(ev []scaleEvent, now time.Time) []scaleEvent {
	k := 0
	for k < len(ev) && !ev[k].at.Add(15*time.Second).After(now) {
		k++
	}
	return ev[k:]
}

// sync is one HPA reconcile of a function with current replicas.
func (c *hpaCore) sync(now time.Time, s sim.State) (int, string) {
	m, ok := c.metric(now, s)
	if !ok {
		return s.Desired, "no_metric"
	}
	want, _ := c.recommend(m, s.Desired)
	got, reason := c.normalise(now, s.Desired, want)
	c.record(now, s.Desired, got)
	return got, reason
}

type hpaCtl struct {
	hpaCore
	next time.Time
}

func (c *hpaCtl) Start(time.Time) sim.Decision {
	return sim.Decision{Replicas: c.h.Min, Wake: c.next, Reason: "deployed"}
}

func (c *hpaCtl) Arrival(time.Time, sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.next}
}

func (c *hpaCtl) Wake(now time.Time, s sim.State) sim.Decision {
	c.next = now.Add(c.h.Sync)
	r, why := c.sync(now, s)
	return sim.Decision{Replicas: r, Wake: c.next, Reason: why}
}
