package main

import (
	"context"
	"time"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/serving/pkg/autoscaler/aggregation"
	"knative.dev/serving/pkg/autoscaler/metrics"
	"knative.dev/serving/pkg/autoscaler/scaling"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// KPA is Knative's pod autoscaler with its config-autoscaler defaults:
// concurrency target 70 % of the container concurrency, stable window 60 s,
// panic window 6 s (10 %), panic threshold 200 %, max scale-up rate 1000,
// max scale-down rate 2, scale-to-zero grace period 30 s.
//
// The decider (scaling.New, Scale) and the window averages
// (aggregation.TimedFloat64Buckets) are Knative's own code. Around them,
// this file plays the parts that live in Kubernetes: the metric collector
// (one concurrency sample per second, as the 1 s scrape), the 2 s decider
// tick, the activator (a request at zero reports its concurrency and pokes
// the decider at once) and the reconciler's scale-to-zero gate (proxyGate).
type KPA struct {
	Utilisation                 float64
	StableWindow, PanicWindow   time.Duration
	PanicThreshold              float64
	MaxScaleUpRate, MaxDownRate float64
	Grace, Tick, Scrape         time.Duration
	TargetBurstCapacity, ActCap float64
}

// DefaultKPA returns Knative's defaults.
func DefaultKPA() KPA {
	return KPA{Utilisation: 0.7, StableWindow: 60 * time.Second, PanicWindow: 6 * time.Second, PanicThreshold: 2,
		MaxScaleUpRate: 1000, MaxDownRate: 2, Grace: 30 * time.Second, Tick: 2 * time.Second, Scrape: time.Second,
		TargetBurstCapacity: 211, ActCap: 100}
}

func (KPA) Name() string { return "knative-kpa" }

func (k KPA) NewController(fn sim.FunctionInfo, start time.Time) sim.Controller {
	c := &kpaCtl{k: k, stable: aggregation.NewTimedFloat64Buckets(k.StableWindow, time.Second),
		panic: aggregation.NewTimedFloat64Buckets(k.PanicWindow, time.Second), log: zap.NewNop().Sugar(),
		nextRecord: start.Add(k.Scrape), nextTick: start.Add(k.Tick), lastRecord: start, dormant: true}
	cc := float64(fn.Concurrency)
	spec := &scaling.DeciderSpec{
		MaxScaleUpRate: k.MaxScaleUpRate, MaxScaleDownRate: k.MaxDownRate, ScalingMetric: "concurrency",
		TargetValue: cc * k.Utilisation, TotalValue: cc, TargetBurstCapacity: k.TargetBurstCapacity,
		ActivatorCapacity: k.ActCap, PanicThreshold: k.PanicThreshold, StableWindow: k.StableWindow,
		InitialScale: 1, Reachable: true,
	}
	c.dec = scaling.New(context.Background(), "openfaas-fn", fn.ID, c, c, spec)
	return c
}

type kpaCtl struct {
	k             KPA
	stable, panic *aggregation.TimedFloat64Buckets
	dec           scaling.UniScaler
	log           *zap.SugaredLogger
	ready         int

	nextRecord, nextTick, lastRecord time.Time
	lastLoad                         float64
	// zeroSince is when the decider first asked for zero (the PA marked
	// inactive), proxySince when the ServerlessService went into proxy
	// mode (zero while it serves).
	zeroSince, proxySince time.Time
	dormant               bool
}

// inactiveRequeue is the reconciler's re-enqueue of a PA it has just marked
// inactive while the SKS is in proxy mode (kpa/scaler.go, 3 s): the next
// look at scale to zero.
const inactiveRequeue = 3 * time.Second

// proxyGate is the reconciler's scale-to-zero gate for a decider asking for
// zero (kpa/scaler.go handleScaleToZero, with the activator probed in the
// path and no last-pod retention): zero once the PA has been inactive for
// the grace period, or sooner, at the first look after inactiveRequeue,
// when the SKS has been in proxy mode for the grace period ("Fast path
// scaling to 0"). Since the SKS is in proxy mode whenever the decider wants
// zero, that is max(zeroSince+inactiveRequeue, proxySince+grace).
func (c *kpaCtl) proxyGate(now time.Time) bool {
	return !now.Before(c.zeroSince.Add(inactiveRequeue)) && !now.Before(c.proxySince.Add(c.k.Grace))
}

// trackMode follows the SKS's mode as the reconciler sets it (kpa.go): it
// serves only while the decider wants pods and has excess burst capacity
// (EBC ≥ 0), and is in proxy mode (the activator in the path) otherwise.
func (c *kpaCtl) trackMode(now time.Time, sr scaling.ScaleResult) {
	if sr.DesiredPodCount > 0 && sr.ExcessBurstCapacity >= 0 {
		c.proxySince = time.Time{}
	} else if c.proxySince.IsZero() {
		c.proxySince = now
	}
}

// StableAndPanicConcurrency is the metric client the decider reads.
func (c *kpaCtl) StableAndPanicConcurrency(_ types.NamespacedName, now time.Time) (float64, float64, error) {
	if c.stable.IsEmpty(now) {
		return 0, 0, metrics.ErrNoData
	}
	return c.stable.WindowAverage(now), c.panic.WindowAverage(now), nil
}

func (c *kpaCtl) StableAndPanicRPS(types.NamespacedName, time.Time) (float64, float64, error) {
	return 0, 0, metrics.ErrNoData
}

// ReadyCount and NotReadyCount are the endpoints counter the decider reads.
func (c *kpaCtl) ReadyCount() (int, error)    { return c.ready, nil }
func (c *kpaCtl) NotReadyCount() (int, error) { return 0, nil }

func (c *kpaCtl) record(now time.Time, s sim.State) {
	if dt := now.Sub(c.lastRecord).Seconds(); dt > 0 {
		v := (s.LoadSeconds - c.lastLoad) / dt
		c.stable.Record(now, v)
		c.panic.Record(now, v)
	}
	c.lastRecord, c.lastLoad = now, s.LoadSeconds
}

// decide runs the real decider and the scale-to-zero gate.
func (c *kpaCtl) decide(now time.Time, s sim.State) sim.Decision {
	c.ready = s.Ready
	sr := c.dec.Scale(c.log, now)
	d := sim.Decision{Replicas: sim.Keep, Reason: "invalid"}
	if !sr.ScaleValid {
		return d
	}
	c.trackMode(now, sr)
	want := int(sr.DesiredPodCount)
	if want > 0 {
		c.zeroSince = time.Time{}
		d.Replicas, d.Reason = want, "decider"
		return d
	}
	if s.Desired == 0 {
		d.Replicas, d.Reason = 0, "decider"
		return d
	}
	if c.zeroSince.IsZero() {
		c.zeroSince = now
	}
	if c.proxyGate(now) {
		d.Replicas, d.Reason = 0, "scale_to_zero_grace_over"
	} else {
		d.Reason = "scale_to_zero_grace"
	}
	return d
}

func (c *kpaCtl) wake() time.Time {
	if c.nextRecord.Before(c.nextTick) {
		return c.nextRecord
	}
	return c.nextTick
}

// Arrival: at zero the activator holds the request, reports it and pokes
// the decider.
func (c *kpaCtl) Arrival(now time.Time, s sim.State) sim.Decision {
	if c.dormant {
		c.dormant = false
		c.lastRecord, c.lastLoad = now, s.LoadSeconds
		c.nextRecord = now.Truncate(time.Second).Add(c.k.Scrape)
		c.nextTick = now.Truncate(c.k.Tick).Add(c.k.Tick)
	}
	if s.Desired > 0 {
		return sim.Decision{Replicas: sim.Keep, Wake: c.wake()}
	}
	c.stable.Record(now, float64(s.Inflight+s.Queued+1))
	c.panic.Record(now, float64(s.Inflight+s.Queued+1))
	d := c.decide(now, s)
	if d.Replicas == 0 || d.Replicas == sim.Keep {
		d.Replicas, d.Reason = 1, "activator"
	} else {
		d.Reason = "activator_poke"
	}
	d.Wake = c.wake()
	return d
}

func (c *kpaCtl) Wake(now time.Time, s sim.State) sim.Decision {
	if !now.Before(c.nextRecord) {
		c.record(now, s)
		c.nextRecord = c.nextRecord.Add(c.k.Scrape)
	}
	d := sim.Decision{Replicas: sim.Keep}
	if !now.Before(c.nextTick) {
		c.nextTick = c.nextTick.Add(c.k.Tick)
		d = c.decide(now, s)
	}
	target := s.Desired
	if d.Replicas != sim.Keep {
		target = d.Replicas
	}
	// At zero with nothing in flight and an empty window there is nothing
	// for the decider to see until a request reaches the activator.
	if target == 0 && s.Inflight+s.Queued == 0 && c.stable.IsEmpty(now) {
		c.dormant = true
		return d
	}
	d.Wake = c.wake()
	return d
}
