package keepalive

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// Plan returns ref's plan and the time of its last invocation (zero when
// none was seen). The plan is recomputed when new idle times arrived: at
// once while learning or when an eighth of the history is new, else at most
// every replanEvery of now.
func (p *Policy) Plan(ref provider.Ref, fallback time.Duration, now time.Time) (Plan, time.Time) {
	plan, last, _ := p.planSlack(ref, fallback, now)
	return plan, last
}

// planSlack is Plan with how much earlier than the last invocation's time
// it can have been (history.slack).
func (p *Policy) planSlack(ref provider.Ref, fallback time.Duration, now time.Time) (Plan, time.Time, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.get(ref)
	plan, last := p.planLocked(ref, h, fallback, now)
	h.worded() // into h.plan, which plan points to
	return *plan, last, h.slack
}

// replanEvery is how often a plan takes in a few new idle times. A busy
// function adds one nearly every learning step, and replanning it every
// minute (the first choice) was a seventh of a trace replay's CPU, while a
// few idle times among up to 256 seldom move a plan, and an eighth of the
// history new replans at once. Five minutes, chosen on the tune cells
// (docs/sim.md, "Session 13"): 1 minute, 5 minutes and never were tried.
const replanEvery = 5 * time.Minute

// planLocked is Plan for h, ref's history; the caller holds mu. The plan is h's own,
// read in place while mu is held: the idler asks about every function
// every cycle and Due about every one at zero every pass, and a copy of
// the whole Plan returned to each, for the two or three fields each reads,
// was a sixth of both.
func (p *Policy) planLocked(ref provider.Ref, h *history, fallback time.Duration, now time.Time) (*Plan, time.Time) {
	stale := !h.planned || h.fallback != fallback ||
		(h.added > 0 && (h.added >= uint32(len(h.e)/8) || now.Sub(h.plannedA) >= replanEvery || len(h.e) <= p.cfg.MinSamples))
	if stale {
		if h.planCache == nil {
			h.planCache = new(planCache)
		}
		p.scratch, p.wscratch = p.scratch[:0], p.wscratch[:0]
		for k := range h.e {
			it := &h.e[h.e[k].rank]
			p.scratch = append(p.scratch, float64(it.it))
			p.wscratch = append(p.wscratch, float64(it.w))
		}
		var w planWords
		h.plan, w = chooseQuietly(Learned{Idle: p.scratch, Weight: p.wscratch, Serves: float64(h.serves),
			PreWarmReplicas: float64(p.startsLocked(ref, h)), KeepReplicas: float64(p.keepsLocked(ref)), BusyCalls: float64(h.busyCalls), BusySeconds: float64(h.busySecs),
			sorted: true}, fallback, p.cfg, &p.bufs)
		h.wordsPending, h.wordsN, h.wordsBeyond = w.pending, uint32(w.n), uint32(w.beyond)
		h.planned, h.plannedA, h.added, h.fallback = true, now, 0, fallback
	}
	if !h.seen {
		return &h.plan, time.Time{}
	}
	return &h.plan, h.last
}

// KeepAlive is the idler's hook (idler.KeepAlivePolicy): how long a function
// must have been without invocations before it may go to zero, now. Inside a
// pre-warm window it is the window's end, so the idler leaves the pre-warmed
// replica alone. serves is how many requests one of the function's replicas
// serves at once (from its labels; the idler knows them, the feeder does
// not): what one pre-warmed replica can take of a burst. Plans made before
// the idler first told it (the pre-warmer's, right after a start) count 1.
func (p *Policy) KeepAlive(ref provider.Ref, fallback time.Duration, serves float64, now time.Time) (time.Duration, string) {
	p.mu.Lock()
	h := p.seq.get(p, ref) // one lookup for both: the idler asks of every function every cycle
	if v := float32(serves); v != h.serves {
		h.serves, h.planned = v, false
	}
	pl, last := p.planLocked(ref, h, fallback, now)
	plan := Plan{KeepAlive: pl.KeepAlive, PreWarmAt: pl.PreWarmAt, PreWarmUntil: pl.PreWarmUntil, Code: pl.Code} // what is read after mu
	slack := h.slack
	p.mu.Unlock()
	// A plan without a window is in none (InPreWarm): the time since the
	// last invocation is not worked out for it (time.Time.Sub, of virtual
	// times without a monotonic reading, was a twentieth of KeepAlive).
	if plan.PreWarmAt > 0 && !last.IsZero() && plan.InPreWarm(now.Sub(last), slack) {
		return plan.PreWarmUntil, inWindowWords(plan.Code)
	}
	k := plan.KeepAlive
	if k <= 0 {
		// The idler takes a positive duration; one second means "at once".
		k = time.Second
	}
	return k, string(plan.Code)
}

// inWindowWords is KeepAlive's reason inside a pre-warm window: the plan's
// code and " (in the pre-warm window)". The codes a plan with a window has
// are worded once, here, not put together at every call (the idler asks of
// every function every cycle: a string made for each in its window was
// most of what KeepAlive allocated in the trace replay, issue 12); any other
// code as it always was.
func inWindowWords(c Code) string {
	switch c {
	case CodePreWarm:
		return string(CodePreWarm) + inWindow
	case CodePeriodic:
		return string(CodePeriodic) + inWindow
	}
	return string(c) + inWindow // not fmt
}

const inWindow = " (in the pre-warm window)"
