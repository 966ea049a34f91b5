package sim

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/sim/trace"
)

// FleetPolicy is a policy whose one controller scales every function of the
// trace at once, as faas-autoscaler does: its passes list all functions and
// share state across them (the keep-alive's fleet-wide pre-warm share, the
// actuator). Run replays all functions of a FleetPolicy in one global time
// order instead of one function at a time.
type FleetPolicy interface {
	Name() string
	// NewFleet builds the controller over fns (indexed as in the trace),
	// reading and scaling their replicas through p, starting at start.
	NewFleet(fns []FunctionInfo, start time.Time, p Platform) (Fleet, error)
}

// Fleet is one controller for every function.
type Fleet interface {
	// Arrival is the gateway seeing a request for function fn before it is
	// routed (State does not count it yet); its Decision's Replicas apply
	// at once (Wake is ignored).
	Arrival(fn int, now time.Time, s State) Decision
	// Next is the time of the controller's next pass: the first may be at
	// the start; each later one must be after the previous pass.
	Next() time.Time
	// Pass runs the controller's parts that are due at now. Every function
	// has been replayed up to now; scale calls go through the Platform and
	// take effect at now.
	Pass(now time.Time)
}

// Platform is the replicas of the fleet's functions, as a provider sees
// them.
type Platform interface {
	State(fn int) State
	// Replicas is State's Desired and Ready alone: a provider's read of
	// one function (its listing reads AllReplicas).
	Replicas(fn int) (desired, ready int)
	// Gateway is State's gateway counts alone (the simulated gateway's
	// /metrics page reads AllGateways at every scrape, where a whole State
	// per function was 1.5 % of the controller's replay).
	Gateway(fn int) GatewayCounts
	// Scale sets the desired replicas of fn (starting or removing replicas
	// as the per-function engine does for a Decision).
	Scale(fn int, replicas int)
	// AllReplicas and AllGateways are Replicas and Gateway of every
	// function at once, indexed as the fleet's functions: a provider's
	// listing (1.7 times per scrape) and the gateway's page (every scrape)
	// read all of them, and a slice read in order costs a fraction of a
	// call per function reaching into as many replays (the page's and the
	// listings' calls were 2.9 % of the day's replay). Each slice is the
	// platform's own, current until the next pass or Scale: callers read
	// it there and then, never write or keep it.
	AllReplicas() []ReplicaCounts
	AllGateways() []GatewayCounts
}

// ReplicaCounts are a function's desired and ready replicas, as Replicas
// returns them.
type ReplicaCounts struct{ Desired, Ready int }

// GatewayCounts are the parts of a State the gateway's metrics show.
type GatewayCounts struct {
	Arrivals, Started, Completed uint64
	InGateway                    int // Inflight + Queued
	CompletedSeconds             float64
}

// fleetPlatform is the Platform over the replays. A quiet replay (see
// replay.quietTill) is not moved to a pass's time: its counts are what
// they were, and its clock is brought up to now only where it is read (a
// scale call times its cold starts from it).
type fleetPlatform struct {
	rs  []*replay
	now time.Duration // the pass's time, from the fleet's start
	// quiet is each replay's quietTill as of its last until or scale, side
	// by side: read from the replays, the check at every pass touched 200
	// structures in as many places of the heap (1 % of the day's replay).
	quiet []time.Duration
	// replicas and gateways are AllReplicas' and AllGateways' slices,
	// each brought up to date when it is asked for. changed is when each
	// replay was last called (until, apply or begin: the only calls that
	// change a replay before its finish), on tick, a count that moves at
	// every such call (see called). A slice read at tick replicasAt or
	// gatewaysAt is current for every replay not called since, and only
	// the others are read again: at a pass most functions are quiet (sync
	// does not call them), and those that are not are called at many
	// passes between two reads (a copy at every call cost half of what it
	// saved).
	tick                   uint64
	changed                []uint64
	replicasAt, gatewaysAt uint64
	replicas               []ReplicaCounts
	gateways               []GatewayCounts
}

// newFleetPlatform is the platform over rs, replays not begun yet: every
// count 0, as the slices start.
func newFleetPlatform(rs []*replay) *fleetPlatform {
	p := &fleetPlatform{rs: rs, quiet: make([]time.Duration, len(rs)), changed: make([]uint64, len(rs)),
		replicas: make([]ReplicaCounts, len(rs)), gateways: make([]GatewayCounts, len(rs))}
	for i := range p.quiet {
		p.quiet[i] = -1 // until has not looked yet
	}
	return p
}

// called records that replay fn was just called. Each call moves tick,
// so a slice read at any time (even from within a sync, by a fleet's
// Arrival) is behind every call that follows.
func (p *fleetPlatform) called(fn int) {
	p.tick++
	p.changed[fn] = p.tick
}

func (p *fleetPlatform) State(fn int) State { return p.rs[fn].state() }

func (p *fleetPlatform) Replicas(fn int) (desired, ready int) {
	r := p.rs[fn]
	return r.desired(), r.ready
}

func (p *fleetPlatform) Gateway(fn int) GatewayCounts { return p.rs[fn].gateway() }

func (r *replay) gateway() GatewayCounts {
	return GatewayCounts{Arrivals: r.arrivals, Started: r.started, Completed: r.completed,
		InGateway: r.busy + len(r.queue) - r.qhead, CompletedSeconds: r.completedSec}
}

func (p *fleetPlatform) AllReplicas() []ReplicaCounts {
	if p.replicasAt != p.tick {
		for i, c := range p.changed {
			if c > p.replicasAt {
				r := p.rs[i]
				p.replicas[i] = ReplicaCounts{Desired: r.desired(), Ready: r.ready}
			}
		}
		p.replicasAt = p.tick
	}
	return p.replicas
}

func (p *fleetPlatform) AllGateways() []GatewayCounts {
	if p.gatewaysAt != p.tick {
		for i, c := range p.changed {
			if c > p.gatewaysAt {
				p.gateways[i] = p.rs[i].gateway()
			}
		}
		p.gatewaysAt = p.tick
	}
	return p.gateways
}

func (p *fleetPlatform) Scale(fn int, replicas int) {
	r := p.rs[fn]
	r.until(p.now) // only moves a quiet replay's clock: it was replayed to now or skipped as quiet
	r.apply(Decision{Replicas: replicas})
	p.quiet[fn] = r.quietTill // -1: apply changed it
	p.called(fn)
}

// sync replays every function up to t, skipping those that are quiet
// until after it: with 200 functions, most of a day's passes find most of
// them at zero (calling until on each cost 2-4 % of the replay).
func (p *fleetPlatform) sync(t time.Duration) {
	p.now = t
	for i, q := range p.quiet {
		if t > q { // until(t) would do more than move the clock
			r := p.rs[i]
			r.until(t)
			p.quiet[i] = r.quietTill
			p.called(i)
		}
	}
}

// fleetGateway routes one replay's arrivals to the fleet's gateway.
type fleetGateway struct {
	f  Fleet
	fn int
}

func (g fleetGateway) Arrival(now time.Time, s State) Decision {
	d := g.f.Arrival(g.fn, now, s)
	d.Wake = time.Time{}
	return d
}

func (fleetGateway) Wake(time.Time, State) Decision { return Decision{Replicas: Keep} }

// runFleet replays every function under one fleet controller. Between two
// passes the functions do not interact (only the controller links them), so
// each is replayed up to the pass on its own, then the pass runs on the
// state of all: the same order of events as one global event queue.
// stream(i) is fns[i]'s index in the loaded trace, its generator's seed.
func runFleet(fns []trace.Function, stream func(int) int, cfg *Config, end time.Duration, p FleetPolicy) ([]FunctionResult, []TimelinePoint, error) {
	rs := make([]*replay, len(fns))
	infos := make([]FunctionInfo, len(fns))
	for i := range fns {
		infos[i] = FunctionInfo{Index: i, ID: fns[i].ID, Trigger: fns[i].Trigger, MemoryMB: fns[i].MemoryMB,
			Concurrency: cfg.Concurrency, ColdStart: cfg.coldStart(fns[i].MemoryMB)}
		rs[i] = &replay{cfg: cfg, info: infos[i], start: cfg.Start, end: end, stream: stream(i)}
		rs[i].res.ID = fns[i].ID
	}
	var tl []TimelinePoint
	if cfg.Timeline >= 0 && cfg.Timeline < len(rs) {
		rs[cfg.Timeline].timeline = &tl
	}
	plat := newFleetPlatform(rs)
	f, err := p.NewFleet(infos, cfg.Start, plat)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rs {
		r.ctl = fleetGateway{f: f, fn: i}
		r.begin(&fns[i], cfg.Seed, cfg.Arrivals, cfg.DefaultExec)
		plat.called(i) // a call like any other (it sets no count while fleetGateway is no Starter)
	}
	prev := cfg.Start.Add(-1)
	for {
		next := f.Next()
		if !next.After(prev) {
			next = prev.Add(time.Millisecond) // a pass asking for the same time again would spin
		}
		t := next.Sub(cfg.Start)
		if t >= end {
			break
		}
		plat.sync(t)
		f.Pass(next)
		prev = next
	}
	out := make([]FunctionResult, len(rs))
	for i, r := range rs {
		r.finish()
		out[i] = r.res
	}
	return out, tl, nil
}
