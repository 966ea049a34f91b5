package ours

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/actuator"
	"github.com/faas-autoscaler/faas-autoscaler/idler"
	"github.com/faas-autoscaler/faas-autoscaler/keepalive"
	"github.com/faas-autoscaler/faas-autoscaler/metricsource/embedded"
	"github.com/faas-autoscaler/faas-autoscaler/provider"
	"github.com/faas-autoscaler/faas-autoscaler/scaler"
	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// Policy is faas-autoscaler with every function opted in to scale to zero
// with the adaptive keep-alive (com.openfaas.scale.zero-duration: auto) and
// scaled on in-flight requests (type capacity, target = the replica's
// concurrency).
type Policy struct {
	// Label is the policy's name in results.
	Label string
	// KeepAlive configures the adaptive keep-alive.
	KeepAlive keepalive.Config
	// ZeroDuration is the fixed duration used instead of "auto" when
	// positive (to compare the controller with a fixed keep-alive).
	ZeroDuration time.Duration
	// Intervals of the gateway scrape, the scaler loop and the idler.
	Scrape, Scale, Idle time.Duration
	// TargetProportion of the replica's concurrency the scaler aims for.
	TargetProportion float64
}

// Default returns the controller's defaults.
func Default() Policy {
	return Policy{Label: "faas-autoscaler", KeepAlive: keepalive.Default(), Scrape: embedded.DefaultInterval,
		Scale: scaler.DefaultInterval, Idle: 30 * time.Second, TargetProportion: 0.9}
}

func (p Policy) Name() string { return p.Label }

// NewController builds the controller's parts for one function. A
// configuration error is a programming error in the simulator's wiring and
// panics at once rather than producing a silently wrong replay.
func (p Policy) NewController(fn sim.FunctionInfo, start time.Time) sim.Controller {
	c, err := p.build(fn, start)
	if err != nil {
		panic(fmt.Sprintf("ours: %v", err))
	}
	return c
}

func (p Policy) build(fn sim.FunctionInfo, start time.Time) (*controller, error) {
	ref := provider.Ref{Name: fmt.Sprintf("fn%03d", fn.Index), Namespace: "openfaas-fn"}
	zd := scaler.ZeroDurationAuto
	if p.ZeroDuration > 0 {
		zd = p.ZeroDuration.String()
	}
	labels := map[string]string{
		scaler.LabelType:             "capacity",
		scaler.LabelTarget:           strconv.Itoa(fn.Concurrency),
		scaler.LabelTargetProportion: strconv.FormatFloat(p.TargetProportion, 'f', -1, 64),
		scaler.LabelMax:              "1000",
		scaler.LabelZero:             "true",
		scaler.LabelZeroDuration:     zd,
	}
	clk := &vclock{now: start}
	prov := &simProvider{fn: provider.Function{Ref: ref, Labels: labels, CreatedAt: start}}
	srcCfg := embedded.DefaultConfig()
	srcCfg.Interval, srcCfg.Clock = p.Scrape, clk
	src, err := embedded.New(srcCfg)
	if err != nil {
		return nil, err
	}
	ka, err := keepalive.New(p.KeepAlive)
	if err != nil {
		return nil, err
	}
	ac := actuator.Default()
	ac.Provider, ac.Clock, ac.HistorySize = prov, clk, 0
	act, err := actuator.New(ac)
	if err != nil {
		return nil, err
	}
	// HistorySize 1: the explain API's decision history is not read here and
	// copying 50 records per tick was the replay's largest cost.
	loop, err := scaler.NewLoop(scaler.LoopConfig{Provider: prov, Source: src, Actuator: act, Clock: clk, Interval: p.Scale,
		Defaults: scaler.DefaultDefaults(), HistorySize: 1})
	if err != nil {
		return nil, err
	}
	idl, err := idler.New(idler.Config{Provider: prov, Source: src, Actuator: act, Clock: clk,
		Schedule: fmt.Sprintf("@every %s", p.Idle), KeepAlive: ka, RecentScaleUp: loop.LastScaleUp})
	if err != nil {
		return nil, err
	}
	pw, err := keepalive.NewPreWarmer(keepalive.PreWarmerConfig{Policy: ka, Provider: prov, Actuator: act, Clock: clk})
	if err != nil {
		return nil, err
	}
	return &controller{p: p, clk: clk, prov: prov, src: src, ka: ka, pw: pw, loop: loop, idl: idl, ref: ref,
		next: start.Add(p.Scrape), nextScale: start.Add(p.Scale), nextIdle: start.Add(p.Idle),
		// A function starts at zero with no load: asleep until its first
		// request, whose arrival moves the schedules onto their grids.
		dormant: true}, nil
}

type controller struct {
	p    Policy
	clk  *vclock
	prov *simProvider
	src  *embedded.Source
	ka   *keepalive.Policy
	pw   *keepalive.PreWarmer
	loop *scaler.Loop
	idl  *idler.Idler
	ref  provider.Ref

	next, nextScale, nextIdle time.Time
	scraped                   uint64 // arrivals at the last scrape
	dormant                   bool   // at zero without load: no scrapes until woken
}

func (c *controller) sync(now time.Time, s sim.State) {
	c.clk.now = now
	c.prov.fn.Replicas = uint64(s.Desired)
	c.prov.fn.AvailableReplicas = uint64(s.Ready)
}

// Arrival is the gateway: a request for a function at zero asks the
// provider for one replica at once (OpenFaaS scale-from-zero).
func (c *controller) Arrival(now time.Time, s sim.State) sim.Decision {
	c.sync(now, s)
	d := sim.Decision{Replicas: sim.Keep, Reason: "no_change"}
	if s.Desired == 0 {
		d.Replicas, d.Reason = 1, "gateway_scale_from_zero"
		c.prov.fn.Replicas = 1
	}
	c.wakeUp(now)
	d.Wake = c.wake()
	return d
}

// wakeUp resumes the periodic schedules after a dormant stretch.
func (c *controller) wakeUp(now time.Time) {
	if !c.dormant {
		return
	}
	c.dormant = false
	c.next = alignAfter(now, c.p.Scrape, c.next)
	c.nextScale = alignAfter(now, c.p.Scale, c.nextScale)
	c.nextIdle = alignAfter(now, c.p.Idle, c.nextIdle)
}

// alignAfter moves a periodic schedule forward past now.
func alignAfter(now time.Time, every time.Duration, t time.Time) time.Time {
	if t.After(now) {
		return t
	}
	n := now.Sub(t)/every + 1
	return t.Add(n * every)
}

func (c *controller) wake() time.Time {
	w := c.next
	for _, t := range []time.Time{c.nextScale, c.nextIdle} {
		if t.Before(w) {
			w = t
		}
	}
	return w
}

func (c *controller) Wake(now time.Time, s sim.State) sim.Decision {
	ctx := context.Background()
	c.sync(now, s)
	if c.dormant {
		// Woken at a pre-warm point.
		plan, last := c.ka.Plan(c.ref, idler.DefaultZeroDuration, now)
		d := sim.Decision{Replicas: sim.Keep, Reason: "no_change"}
		// The pre-warm loop's pass, run at the plan's point instead of every
		// 10 s (passes in between would find nothing due).
		if rep := c.pw.RunOnce(ctx, now); len(rep.Scaled) > 0 {
			c.wakeUp(now)
			return sim.Decision{Replicas: int(c.prov.fn.Replicas), Reason: "pre_warm", Wake: c.wake()}
		}
		if at := plan.Next(now.Sub(last)); !last.IsZero() && at > 0 && plan.PreWarmAt > 0 && last.Add(at).After(now) {
			d.Wake = last.Add(at)
		}
		return d
	}
	if !now.Before(c.next) {
		c.scrape(now, s)
		c.next = c.next.Add(c.p.Scrape)
	}
	reason := "no_change"
	if !now.Before(c.nextScale) {
		_ = c.loop.Tick(ctx, now) // errors are the loop's to log; the provider here never fails
		c.nextScale = c.nextScale.Add(c.p.Scale)
		reason = "scaler"
	}
	if !now.Before(c.nextIdle) {
		before := c.prov.fn.Replicas
		c.idl.RunOnce(ctx, now)
		c.nextIdle = c.nextIdle.Add(c.p.Idle)
		if c.prov.fn.Replicas != before {
			reason = "idler"
		}
	}
	d := sim.Decision{Replicas: sim.Keep, Reason: reason}
	if c.prov.fn.Replicas != uint64(s.Desired) {
		d.Replicas = int(c.prov.fn.Replicas)
	}
	// At zero without load there is nothing to scrape or scale until a
	// request arrives or the keep-alive plan wants a pre-warm.
	if c.prov.fn.Replicas == 0 && s.Inflight+s.Queued == 0 {
		plan, last := c.ka.Plan(c.ref, idler.DefaultZeroDuration, now)
		c.dormant = true
		d.Wake = time.Time{}
		if at := plan.Next(now.Sub(last)); !last.IsZero() && at > 0 && plan.PreWarmAt > 0 && last.Add(at).After(now) {
			d.Wake = last.Add(at)
		}
		return d
	}
	d.Wake = c.wake()
	return d
}

// scrape feeds the metrics source what the gateway's /metrics would show,
// and the keep-alive policy the invocations counted since the last scrape
// (as the controller would from the same counter).
func (c *controller) scrape(now time.Time, s sim.State) {
	name := c.ref.String()
	c.src.Observe(now, []embedded.Sample{
		{Metric: embedded.MetricTotal, FunctionName: name, Code: "200", Value: float64(s.Arrivals)},
		{Metric: embedded.MetricStarted, FunctionName: name, Value: float64(s.Arrivals)},
		{Metric: embedded.MetricInflight, FunctionName: name, Value: float64(s.Inflight + s.Queued)},
	})
	if n := s.Arrivals - c.scraped; n > 0 {
		c.ka.ObserveCount(c.ref, now, c.p.Scrape, int(n))
	}
	c.scraped = s.Arrivals
}
