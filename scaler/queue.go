package scaler

import (
	"context"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// The queue scaling type (com.openfaas.scale.type=queue) scales on a
// function's asynchronous backlog: messages waiting plus messages running,
// read from the queue worker's metrics or from JetStream itself. The target
// is that backlog per replica, as OpenFaaS Pro's queue rule and KEDA's
// lagThreshold do. Its one knob of its own is the activation threshold:
// KEDA's activationLagThreshold, the backlog that wakes a function at zero.
// The default, 1 message, wakes it for any work at all: a message waiting
// with nothing to run it is the complaint async users have of OpenFaaS
// (faas#1131, nats-queue-worker#32).
const (
	LabelQueueActivation   = "faas-autoscaler.io/queue-activation"
	DefaultQueueActivation = 1.0
)

// belowActivation is true for a queue-type function whose freshest backlog
// (the larger of the two windows) is under its activation threshold.
func belowActivation(spec Spec, load, burst *float64) bool {
	if spec.Type != metricsource.TypeQueue {
		return false
	}
	return max(derefOr(load, 0), derefOr(burst, 0)) < spec.QueueActivation
}

// stableSource says what the stable load is, for decision reasons: a
// window's average, except for a queue, whose load is its backlog now.
func stableSource(spec Spec, w time.Duration, part metricsource.Part) string {
	switch spec.Type {
	case metricsource.TypeQueue:
		return " (backlog now)"
	case metricsource.TypeCapacity:
		return windowSourceWords(w, true, part)
	}
	return windowSourceWords(w, false, part)
}

// burstSource is where a decision's burst reading came from, worded only
// when a reason names it: the source's burst window (and part), or the
// alert; nothing for a quiet observation but the alert.
type burstSource struct {
	window       time.Duration
	part         metricsource.Part
	quiet, alert bool
}

func (b burstSource) words() string {
	switch {
	case b.alert:
		return "from the alert"
	case b.quiet:
		return ""
	}
	return fmt.Sprintf("over %v%s", b.window, partWords(b.part))
}

// partWords says which part a capacity reading came from, after a comma
// ("" when the source did not say): an operator reading "in-flight peak"
// knows the count includes requests that waited for a replica, and one
// reading "arrivals" knows it came from the started rate × mean duration.
func partWords(p metricsource.Part) string {
	if w := p.Words(); w != "" {
		return ", " + w
	}
	return ""
}

// wakeForBacklog wakes a function of another type at zero that has
// asynchronous work waiting: at zero its messages raise no rps, in-flight or
// CPU, so its own load would never wake it and they would wait for ever
// (faas#1131). It wakes to the floor; its own type sizes it from there.
func wakeForBacklog(spec Spec, obs Observation, d Decision) (Decision, bool) {
	if obs.Queued == nil || spec.Type == metricsource.TypeQueue || *obs.Queued < max(spec.QueueActivation, 1e-9) {
		return d, false
	}
	v, _, _, _ := clamp(&spec, &obs, 1)
	d.Replicas, d.Code = v, CodeFromZero
	d.Reason = fmt.Sprintf("at zero with %g message(s) queued (activation %g) → %d", *obs.Queued, spec.QueueActivation, v)
	return d, true
}

// backlogAtZero reads the queue once when a function of another type is at
// zero (reusing this pass's queue reading when a queue-type function made
// one). A failed read leaves them at zero, as before: missing is not zero,
// but it is no evidence of work either. When the pass's own read of the
// queue failed, the backlog is unknown and not asked again: a queue that
// does not answer (a hung NATS, each read waiting --nats-timeout) cost the
// pass a second wait before any function was decided.
func (l *Loop) backlogAtZero(ctx context.Context, fns []provider.Function, states []*fnState, sigs map[provider.Ref]*Signal, loads []queryReadings) metricsource.Values {
	want := false
	for i, fn := range fns {
		ps := &states[i].parsed
		// Step functions too: at zero their messages raise no alert of
		// their own (a JetStream-only cluster has no queue alert), and
		// they waited for ever (a review's finding).
		if ps.failed == nil && fn.Replicas == 0 && ps.spec.Type != metricsource.TypeQueue && !wakesOnAlert(sigs[fn.Ref]) {
			want = true
			break
		}
	}
	if !want {
		return nil
	}
	q := metricsource.LoadQuery{Type: metricsource.TypeQueue, Window: l.cfg.BurstWindow}
	for _, lq := range loads {
		if lq.q == q && lq.failed {
			l.log.Debug("backlog of functions at zero unknown: the pass's queue read failed")
			return nil
		}
		if lq.q == q { // the pass read it already: fns' readings, as a map
			v := make(metricsource.Values)
			for i, r := range lq.r {
				if r.Has {
					v[fns[i].Ref] = r.Value
				}
			}
			return v
		}
	}
	v, err := l.cfg.Source.Load(ctx, q)
	if err != nil {
		l.log.Debug("backlog of functions at zero unknown", "err", err)
		return nil
	}
	return v
}

// wakesOnAlert says whether sig is a firing alert: a function of another
// type at zero that one triggers wakes on it whatever its backlog
// (wakeFromZero: only a queue-type function below its activation stays at
// zero on a firing alert), so its evaluation does not wait for the queue.
// While NATS hung, every alert's wake of a function at zero, async or not,
// waited one --nats-timeout for a backlog it did not need.
func wakesOnAlert(sig *Signal) bool {
	return sig != nil && sig.Status == Firing
}
