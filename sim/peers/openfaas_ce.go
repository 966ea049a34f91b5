package peers

import (
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// OpenFaaSCE is the legacy alert-driven autoscaling of OpenFaaS CE as
// shipped (faas-netes chart + gateway alert handler; reference/openfaas.md
// §2):
//
//   - Prometheus scrapes the gateway every 5 s and evaluates every 15 s
//     `sum(rate(gateway_function_invocation_total{code="200"}[10s])) by
//     (function_name) > 5` with `for: 5s`, so it fires at the second true
//     evaluation and resolves at the first false one;
//   - AlertManager: group_wait 5 s, group_interval 10 s, repeat_interval
//     30 s, send_resolved;
//   - the gateway adds ceil(min(max,5) × factor / 100) replicas per firing
//     notification, capped at min(max, 5), and drops to min on resolved;
//     faas-netes CE refuses zero, so a function never goes below min (1).
//
// Timing approximations (say so with results): scrapes run 1 s after the
// evaluation grid, so the two samples in [10s] sit 5 s apart and Prometheus'
// extrapolation makes rate[10s] equal their slope; every invocation counts as
// code 200 when it reaches the gateway; each function has an alert group of
// its own (CE groups all functions together, so in production other
// functions' alerts can trigger extra re-sends every 10 s).
type OpenFaaSCE struct {
	Threshold                                float64 // rps, 5
	Scrape, Eval, For                        time.Duration
	GroupWait, GroupInterval, RepeatInterval time.Duration
	Min, Max, Factor                         int
}

// DefaultOpenFaaSCE returns CE as shipped.
func DefaultOpenFaaSCE() OpenFaaSCE {
	return OpenFaaSCE{Threshold: 5, Scrape: 5 * time.Second, Eval: 15 * time.Second, For: 5 * time.Second,
		GroupWait: 5 * time.Second, GroupInterval: 10 * time.Second, RepeatInterval: 30 * time.Second,
		Min: 1, Max: 5, Factor: 10}
}

func (OpenFaaSCE) Name() string { return "openfaas-ce" }

func (p OpenFaaSCE) NewController(_ sim.FunctionInfo, start time.Time) sim.Controller {
	return &ceCtl{p: p, nextScrape: start.Add(time.Second), nextEval: start.Add(p.Eval)}
}

// CEStep is the gateway's CalculateReplicas for a firing alert.
func CEStep(current, maxReplicas, factor int) int {
	capped := min(maxReplicas, 5)
	step := int(math.Ceil(float64(capped) / 100 * float64(factor)))
	if step <= 0 {
		return current
	}
	return min(current+step, capped)
}

type alertState int

const (
	inactive alertState = iota
	pending
	firing
)

type ceCtl struct {
	p                   OpenFaaSCE
	prev, last          uint64
	scrapes             int
	nextScrape          time.Time
	nextEval            time.Time
	alert               alertState
	activeAt            time.Time
	group               bool // an AlertManager group exists for the alert
	groupFiring         bool // the alert state AlertManager holds
	changed             bool // the group changed since the last notification
	nextFlush, lastSent time.Time
}

func (c *ceCtl) Start(start time.Time) sim.Decision {
	return sim.Decision{Replicas: c.p.Min, Wake: c.wake(), Reason: "deployed"}
}

func (c *ceCtl) Arrival(_ time.Time, _ sim.State) sim.Decision {
	return sim.Decision{Replicas: sim.Keep, Wake: c.wake(), Reason: "no_change"}
}

func (c *ceCtl) wake() time.Time {
	w := c.nextScrape
	if c.nextEval.Before(w) {
		w = c.nextEval
	}
	if c.group && c.nextFlush.Before(w) {
		w = c.nextFlush
	}
	return w
}

func (c *ceCtl) Wake(now time.Time, s sim.State) sim.Decision {
	d := sim.Decision{Replicas: sim.Keep, Reason: "no_change"}
	if !now.Before(c.nextScrape) {
		c.prev, c.last = c.last, s.Arrivals
		c.scrapes++
		c.nextScrape = c.nextScrape.Add(c.p.Scrape)
	}
	if !now.Before(c.nextEval) {
		c.evaluate(now)
		c.nextEval = c.nextEval.Add(c.p.Eval)
	}
	if c.group && !now.Before(c.nextFlush) {
		d = c.flush(now, s)
		c.nextFlush = c.nextFlush.Add(c.p.GroupInterval)
	}
	d.Wake = c.wake()
	return d
}

// evaluate is one Prometheus rule evaluation.
func (c *ceCtl) evaluate(now time.Time) {
	rate := 0.0
	if c.scrapes >= 2 {
		rate = float64(c.last-c.prev) / c.p.Scrape.Seconds()
	}
	if rate > c.p.Threshold {
		switch c.alert {
		case inactive:
			c.alert, c.activeAt = pending, now
		case pending:
			if now.Sub(c.activeAt) >= c.p.For {
				c.alert = firing
				c.toAlertManager(now, true)
			}
		}
		return
	}
	if c.alert == firing {
		c.toAlertManager(now, false)
	}
	c.alert = inactive
}

func (c *ceCtl) toAlertManager(now time.Time, isFiring bool) {
	if !c.group {
		if !isFiring {
			return
		}
		c.group, c.groupFiring, c.changed = true, true, true
		c.nextFlush = now.Add(c.p.GroupWait)
		return
	}
	if c.groupFiring != isFiring {
		c.groupFiring, c.changed = isFiring, true
	}
}

// flush is one AlertManager group tick: notify when the group changed or the
// repeat interval passed; the gateway then applies CalculateReplicas.
func (c *ceCtl) flush(now time.Time, s sim.State) sim.Decision {
	d := sim.Decision{Replicas: sim.Keep, Reason: "no_change"}
	// AlertManager re-sends an unchanged group only once its last
	// notification is strictly older than repeat_interval (DedupStage's
	// needsUpdate: entry.Timestamp.Before(now − repeat)), so at a 10 s
	// group interval and a 30 s repeat every 40 s, not 30.
	if !c.changed && now.Sub(c.lastSent) <= c.p.RepeatInterval {
		return d
	}
	c.changed, c.lastSent = false, now
	if c.groupFiring {
		d.Replicas, d.Reason = CEStep(s.Desired, c.p.Max, c.p.Factor), "alert_firing"
		return d
	}
	c.group = false
	d.Replicas, d.Reason = c.p.Min, "alert_resolved"
	return d
}
