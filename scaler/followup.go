package scaler

import (
	"context"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// FollowUpEvery is how often the loop re-evaluates a function that has just
// scaled up, for one burst window after that scale-up.
//
// Why: an up-scale is decided on the first reading of a load step, which at
// a 5 s scrape holds only the part of the step since it began (one scrape
// in, a step of 200/s can read 40/s). The step shows in full at the next
// scrape; the regular pass sees it up to one Interval later, the webhook
// not at all (AlertManager does not notify again while the same alert keeps
// firing). Re-evaluating the few functions that are scaling up every second
// for one burst window — the window whose readings can still change the
// decision — picks up the next scrape within a second, whatever the phase of
// the pass, at the cost of a short evaluation per second during a burst only.
const FollowUpEvery = time.Second

// followUpLocked asks for re-evaluations of ref until until (called with mu held).
func (l *Loop) followUpLocked(ref provider.Ref, until time.Time) {
	if l.follow == nil {
		l.follow = make(map[provider.Ref]time.Time)
	}
	if until.After(l.follow[ref]) {
		l.follow[ref] = until
	}
}

// dueFollowUps returns the functions to re-evaluate at now, dropping those
// whose time is over.
func (l *Loop) dueFollowUps(now time.Time) []provider.Ref {
	l.mu.Lock()
	defer l.mu.Unlock()
	var refs []provider.Ref
	for ref, until := range l.follow {
		if !now.Before(until) {
			delete(l.follow, ref)
			continue
		}
		refs = append(refs, ref)
	}
	return refs
}

// FollowingUp reports whether any function awaits a follow-up: while it is
// false, FollowUp does nothing. A caller that runs the loop's passes itself
// on virtual time (the simulator) can skip FollowUp's idle seconds, each of
// which costs it a step of every function. It may say true for a follow-up
// whose time is over; FollowUp then drops it.
func (l *Loop) FollowingUp() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.follow) > 0
}

// FollowUp re-evaluates, in one batch, the functions that scaled up within
// the last burst window. Run calls it every FollowUpEvery.
func (l *Loop) FollowUp(ctx context.Context, now time.Time) error {
	refs := l.dueFollowUps(now)
	if len(refs) == 0 {
		return nil
	}
	l.passMu.Lock()
	defer l.passMu.Unlock()
	var (
		fns  []provider.Function
		errs []error
	)
	for _, ref := range refs {
		fn, err := l.readFunction(ctx, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fns = append(fns, fn)
	}
	l.mu.Lock()
	states, _ := l.statesLocked(fns, now, &l.fewScratch)
	l.mu.Unlock()
	l.evaluate(ctx, fns, states, nil, now, false, nil)
	return joinBounded(errs, 5)
}
