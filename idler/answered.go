package idler

import (
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/provider"
)

// answeredListed counts the functions a cycle answered as it listed them
// (prepare: answersAsListed), which get no work item: finish counts the
// items, and adds these.
type answeredListed struct {
	// notOptedIn and invalidLabel count their verdicts (skipped_total).
	notOptedIn, invalidLabel int
	// atZero counts those at zero (functions_at_zero): before a function
	// at zero could be answered so, every one of them was an item.
	atZero int
}

// addTo adds the answered functions' verdicts to a cycle's skipped counts.
func (a answeredListed) addTo(skipped map[Code]int) {
	if a.notOptedIn > 0 {
		skipped[CodeNotOptedIn] += a.notOptedIn
	}
	if a.invalidLabel > 0 {
		skipped[CodeInvalidLabel] += a.invalidLabel
	}
}

// answersAsListed reports whether everything a cycle decides and does for
// fn follows from its labels alone, so that prepare answers it as it is
// listed: not opted in, or labels that do not parse (Decide's first two
// answers, whatever the activity), and nothing else to it. The README
// promises such a function's explanation as soon as the term's first
// cycle lists it, minutes before that cycle ends at 10,000 functions;
// answered only while serving, one at zero (scaled down by someone else)
// stayed pending all that while. Not answered so:
//   - a min-schedule, readable or not (msv, msErr): a minimum active or
//     starting soon restores the function, and the explanation shows it;
//   - at zero with --maintain-min: restored, or "not restored" worded as
//     its last action (restoreTarget).
//
// A scale to zero whose landing the listing only now tells (zeroLanded,
// done before) is no reason to wait: answerListed words it as the last
// action (a review's finding: it kept such a function pending, an
// exception the README does not make).
func (d *Idler) answersAsListed(fn *provider.Function, spec ZeroSpec, specErr error, hasMS bool, msErr error) bool {
	if specErr == nil && spec.OptIn {
		return false
	}
	if hasMS || msErr != nil {
		return false
	}
	return fn.Replicas > 0 || !d.cfg.MaintainMin
}

// answerListed decides and explains a function answersAsListed takes, as
// finish would, without a work item, and counts it in a: Decide answers
// not-opted-in or invalid-label from the spec alone, and nothing is
// proposed for it. landed is the last action a scale to zero the listing
// shows landed leaves (zeroLanded; "" when none).
func (d *Idler) answerListed(fn *provider.Function, st *fnState, spec ZeroSpec, specErr error, landed string, now time.Time, a *answeredListed) {
	w := work{fn: fn, st: st, action: landed}
	w.in.Spec, w.in.SpecErr = spec, specErr
	w.v = Decide(w.input(now, d.cycleWakes), now)
	d.mu.Lock()
	st.explain = explanation(&w, now, st.explain.more)
	d.mu.Unlock()
	switch w.v.Code {
	case CodeNotOptedIn:
		a.notOptedIn++
	case CodeInvalidLabel:
		a.invalidLabel++
	}
	if fn.Replicas == 0 {
		a.atZero++
	}
}
