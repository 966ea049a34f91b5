package actuator

import (
	"context"
	"fmt"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// process runs every intent queued for ref, one at a time, unless another
// goroutine already is (it will see the queued intent). A worker (pool)
// stops once ctx ends and leaves what is queued to stopped.
//
// A worker runs one intent a turn (with its fallback): one queued for the
// function meanwhile goes to the back of the pool's queue. Looping over
// them, a function whose count kept changing on a slow provider (calls of
// 6 s, a new intent every pass) held its worker for as long as that
// lasted, and with every worker so held another function's raise waited
// minutes in the queue: one function's trouble became the fleet's.
// Inline (no pool) there is no queue to yield to.
func (a *Actuator) process(ctx context.Context, ref provider.Ref, pool bool) {
	a.mu.Lock()
	s := a.slot(ref)
	if s.busy {
		a.mu.Unlock()
		return
	}
	s.busy = true
	s.queued = false
	turn := false
	for s.hasNext && (!pool || ctx.Err() == nil) {
		if pool && turn {
			s.queued = true
			a.queue = append(a.queue, ref)
			a.signal()
			break
		}
		turn = true
		p, fb, hasFb := s.next, s.fallback, s.hasFallback
		s.next, s.hasNext, s.fallback, s.hasFallback = pending{}, false, pending{}, false
		a.npending--
		a.m.pending.Set(float64(a.npending))
		o := a.runLocked(ctx, s, p)
		if !hasFb {
			continue
		}
		// The winner's fate decides the fallback's (see slot.add).
		var drop Outcome
		now := a.cfg.Clock.Now()
		switch {
		case o.Applied || o.Code == CodeDryRun:
			drop = supersededOutcome(fb, p.in.Who, now)
		case s.hasNext && s.next.in.Who == fb.in.Who, s.hasFallback && s.fallback.in.Who == fb.in.Who:
			drop = supersededOutcome(fb, fb.in.Who, now) // its component proposed again meanwhile
		case pool && ctx.Err() != nil:
			drop = stoppedOutcome(fb, now)
		case s.hasNext:
			// Intents queued while the winner ran are newer than the
			// fallback: it is merged under them (a newer raise beats an
			// older zero) instead of running ahead of them, where it
			// scaled to zero and the newer raise was then refused as a
			// wake on stale evidence.
			a.requeueUnder(s, fb, now)
			continue
		default:
			a.runLocked(ctx, s, fb)
			continue
		}
		a.mu.Unlock()
		a.finish(fb, drop)
		a.mu.Lock()
	}
	s.busy = false
	a.dropIfForgotten(ref, s)
	a.mu.Unlock()
}

// requeueUnder puts fb in s's queue as older than what is queued there
// now: it becomes next, and the newer intents are added over it, in order,
// as Submit adds them. a.mu is held on entry and on return.
func (a *Actuator) requeueUnder(s *slot, fb pending, now time.Time) {
	newer := []pending{s.next}
	if s.hasFallback {
		newer = append(newer, s.fallback)
	}
	s.next, s.fallback, s.hasFallback = fb, pending{}, false
	type drop struct {
		p  pending
		by Component
	}
	var drops []drop
	for _, p := range newer {
		if d, by, ok := s.add(p); ok {
			drops = append(drops, drop{d, by})
		}
	}
	if len(drops) == 0 {
		return
	}
	a.mu.Unlock()
	for _, d := range drops {
		a.finish(d.p, supersededOutcome(d.p, d.by, now))
	}
	a.mu.Lock()
}

// runLocked arbitrates and executes p, records and reports its outcome.
// a.mu is held on entry and on return, not during the call or p's done.
func (a *Actuator) runLocked(ctx context.Context, s *slot, p pending) Outcome {
	s.renew(p.in.Created)
	in := a.inputLocked(s, p.in)
	a.mu.Unlock()
	a.m.inflight.Inc()
	o := a.execute(ctx, in)
	a.m.inflight.Dec()
	a.mu.Lock()
	a.recordLocked(s, o)
	if o.Code == CodeRefused && o.Err != nil {
		o.RefusedUntil = o.At.Add(a.cfg.RefusedBackoff) // as recordLocked holds it
	}
	a.mu.Unlock()
	a.finish(p, o)
	a.mu.Lock()
	return o
}

func (a *Actuator) inputLocked(s *slot, in Intent) Input {
	now := a.cfg.Clock.Now()
	// The refusal of this intent's count, if any: a refusal of another
	// count says nothing about this one.
	r, refused := s.refusalOf(in.To, now)
	return Input{Intent: in, Now: now, Leading: a.leading(), Managed: a.managed == nil || a.managed[in.Ref.Namespace],
		DryRun: a.cfg.DryRun, Last: s.last, Unconfirmed: s.unconfirmed, BackoffUntil: s.backoffUntil,
		RefusedTo: r.Replicas, HasRefused: refused, RefusedUntil: r.Until, RefusedLanded: r.Landed, HasRefusedLanded: r.HasLanded}
}

func (a *Actuator) finish(p pending, o Outcome) {
	a.m.outcome(o)
	if p.done != nil {
		p.done(o)
	}
}

func stoppedOutcome(p pending, now time.Time) Outcome {
	return Outcome{Intent: p.in, Code: CodeStopped, At: now, Reason: "the worker pool stopped before it ran"}
}

func supersededOutcome(p pending, by Component, now time.Time) Outcome {
	return Outcome{Intent: p.in, Code: CodeSuperseded, At: now, Reason: fmt.Sprintf("replaced by %s's intent before it ran", by)}
}
