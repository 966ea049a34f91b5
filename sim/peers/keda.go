package peers

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim"
)

// KEDA is a KEDA ScaledObject with a pull scaler over the function's load:
// the operator polls every 30 s and owns 0↔1 (active when the load since the
// last poll is above the activation threshold 0; back to zero once the
// trigger has been inactive for cooldownPeriod 300 s), and the HPA it
// creates (min 1, the defaults of HPA) owns 1↔N.
type KEDA struct {
	Polling, Cooldown time.Duration
	Activation        float64
	HPA               HPA
}

// DefaultKEDA returns KEDA's defaults but one: maxReplicaCount is the HPA
// model's 1000, not KEDA's 100. A KEDA user sets it for a function that
// needs more, as an HPA user sets maxReplicas (which has no default), and
// the replay caps no policy below what the trace needs (faas-autoscaler's
// max is 100,000, the fixed keep-alives have none): capped at 100, KEDA's
// busiest functions at concurrency 1 queued behind the cap, a cost of the
// setting, not of KEDA (docs/sim.md, "Peer policies").
func DefaultKEDA() KEDA {
	return KEDA{Polling: 30 * time.Second, Cooldown: 300 * time.Second, HPA: DefaultHPA()}
}

func (KEDA) Name() string { return "keda" }

func (k KEDA) NewController(fn sim.FunctionInfo, start time.Time) sim.Controller {
	return &kedaCtl{k: k, hpa: newHPACore(k.HPA, fn), nextPoll: start.Add(k.Polling), nextSync: start.Add(k.HPA.Sync)}
}

type kedaCtl struct {
	k                  KEDA
	hpa                hpaCore
	nextPoll, nextSync time.Time
	lastArrivals       uint64
	lastActive         time.Time
}

func (c *kedaCtl) Arrival(now time.Time, _ sim.State) sim.Decision {
	// The first request can come long after the start, before any wake-up:
	// move the poll and sync grids forward instead of replaying the missed
	// ticks at once (which would poll right after the request).
	c.nextPoll = nextOnGrid(now, c.k.Polling, c.nextPoll)
	c.nextSync = nextOnGrid(now, c.k.HPA.Sync, c.nextSync)
	return sim.Decision{Replicas: sim.Keep, Wake: c.wake()}
}

// nextOnGrid returns the first t + k×every (k ≥ 0) that is not before now.
func nextOnGrid(now time.Time, every time.Duration, t time.Time) time.Time {
	if !t.Before(now) {
		return t
	}
	return t.Add((now.Sub(t) + every - 1) / every * every)
}

func (c *kedaCtl) wake() time.Time {
	if c.nextSync.Before(c.nextPoll) {
		return c.nextSync
	}
	return c.nextPoll
}

func (c *kedaCtl) Wake(now time.Time, s sim.State) sim.Decision {
	d := sim.Decision{Replicas: sim.Keep, Reason: "no_change"}
	if !now.Before(c.nextPoll) {
		c.nextPoll = c.nextPoll.Add(c.k.Polling)
		metric := float64(s.Arrivals-c.lastArrivals) + float64(s.Inflight+s.Queued)
		c.lastArrivals = s.Arrivals
		switch active := metric > c.k.Activation; {
		case active:
			c.lastActive = now
			if s.Desired == 0 {
				d.Replicas, d.Reason = 1, "activated"
			}
		case s.Desired > 0 && now.Sub(c.lastActive) >= c.k.Cooldown:
			d.Replicas, d.Reason = 0, "cooldown_to_zero"
			c.hpa.recs, c.hpa.samples = nil, nil
		}
	}
	if !now.Before(c.nextSync) {
		c.nextSync = c.nextSync.Add(c.k.HPA.Sync)
		// The HPA only acts on a scaled-up target (KEDA pauses it at zero).
		if d.Replicas == sim.Keep && s.Desired > 0 {
			r, why := c.hpa.sync(now, s)
			if r != s.Desired {
				d.Replicas, d.Reason = r, why
			}
		} else {
			// The metric is still read at zero: KEDA's metrics server
			// answers the HPA's first query after an activation with the
			// load at once. Cleared at zero and not sampled there, the
			// first sync after every activation had one sample, no
			// metric, and the HPA sat that sync out at one replica.
			c.hpa.metric(now, s)
		}
	}
	d.Wake = c.wake()
	return d
}
