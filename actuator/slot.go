package actuator

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// pending is one queued intent and who to tell about its outcome.
type pending struct {
	in   Intent
	done func(Outcome)
}

// slot is one function's actuation state. Guarded by Actuator.mu.
type slot struct {
	next    pending // the queued intent, when hasNext (a value: no allocation per intent)
	hasNext bool
	// fallback is the runner-up of the intents merged into next, kept to run
	// if next is not applied (see add). hasFallback implies hasNext, and the
	// two are of different components.
	fallback    pending
	hasFallback bool
	busy        bool // a worker is processing the function
	queued      bool // the function is in Actuator.queue
	// forgotten: Forget came while the slot was busy or had a queued
	// intent; it is deleted once neither holds (see Forget).
	forgotten bool

	last Write
	// unconfirmed is a scale to zero whose call failed after it was sent,
	// newer than last: it may have landed (Input.Unconfirmed).
	unconfirmed  Write
	failures     int
	backoffUntil time.Time
	// refused holds the counts the provider refused, each held off until
	// its own end (refused.go), oldest refusal first.
	refused  []Refusal
	lastErr  string
	dryRunTo uint64 // last dry-run target logged, +1 (0 = none)
	history  []Outcome
	// created is the latest creation time an intent named for the function
	// (Intent.Created; zero: none did). See renew.
	created time.Time
}

// renew takes the creation time an intent about to run names for the
// function. A later one than s knows is a new function deployed under the
// name (deleted and re-created between two listings, so nothing called
// Forget): what s kept of the old one is forgotten (its last write, error
// back-off, refused count and recent outcomes), or the new function was
// not scaled to a count its predecessor was refused for up to the refused
// back-off. A zero time (the proposer does not know) or an older one (a
// listing from before the re-creation) changes nothing. The queue is kept.
// Actuator.mu is held.
func (s *slot) renew(created time.Time) {
	if created.IsZero() || !created.After(s.created) {
		return
	}
	if !s.created.IsZero() {
		clear(s.history) // the outcomes' strings and errors
		s.last, s.unconfirmed, s.failures, s.backoffUntil, s.lastErr, s.dryRunTo = Write{}, Write{}, 0, time.Time{}, "", 0
		s.refused = s.refused[:0]
		s.history = s.history[:0]
	}
	s.created = created
}

// add queues p, the function's newest intent, and returns the queued
// intent it drops, if any, with the component that replaced it.
//
// The rule: per component only the newest intent counts (a component's
// newer intent replaces its older one at once). Between components Merge
// picks the one to run (the higher count), and the runner-up is kept as a
// fallback instead of being dropped: if the winner is not applied (Arbitrate
// drops it, say a wake on stale evidence, or its write fails), the fallback
// is arbitrated and run in its place, so a valid intent (the idler's
// restore to a scheduled minimum) is never lost to one that could not run.
// One fallback per function: a third component's intent that ranks below
// both is dropped. The fallback is dropped when the winner is applied.
func (s *slot) add(p pending) (dropped pending, by Component, ok bool) {
	if !s.hasNext {
		s.next, s.hasNext = p, true
		return pending{}, "", false
	}
	if s.hasFallback && s.fallback.in.Who == p.in.Who {
		// p replaces its component's older fallback. At most one drop per
		// add: the fallback and next are of different components, so p
		// cannot also replace next below.
		dropped, by, ok = s.fallback, p.in.Who, true
		s.fallback, s.hasFallback = pending{}, false
	}
	keep, lost := s.next, p
	if incomingWins(s.next.in, p.in) {
		keep, lost = p, s.next
	}
	s.next = keep
	switch {
	case lost.in.Who == keep.in.Who: // the component changed its mind
		// Its new intent still meets the other component's fallback as
		// two live intents do: its old one, now dropped, won that merge
		// and cannot decide it any more (0→4 over a pre-warm's 0→2, then
		// 0→1 in its place: the pre-warm's 2 wins).
		if s.hasFallback && !incomingWins(s.fallback.in, s.next.in) {
			s.next, s.fallback = s.fallback, s.next
		}
		return lost, keep.in.Who, true
	case !s.hasFallback:
		s.fallback, s.hasFallback = lost, true
		return dropped, by, ok
	case incomingWins(s.fallback.in, lost.in):
		s.fallback, lost = lost, s.fallback
	}
	return lost, keep.in.Who, true
}

func (a *Actuator) slot(ref provider.Ref) *slot {
	s := a.slots[ref]
	if s == nil {
		s = &slot{}
		a.slots[ref] = s
	}
	return s
}
