package scaler

import (
	"fmt"
	"math"
	"time"
)

// ceMaxReplicas is the OpenFaaS CE gateway's hard cap in CalculateReplicas.
const ceMaxReplicas = 5

// decideExactCE is the OpenFaaS CE gateway's CalculateReplicas: max' =
// min(max, 5), step = ceil(max'/100 × factor); firing → min(current+step,
// max'); anything else → min. Without an alert it holds and clamps nothing,
// as CE did. Deviations, from the house rules that zero is the idler's and
// that a scheduled minimum floors a running function: a resolved alert
// floors at max(min, 1, scheduled minimum) rather than asking for min (0
// included), and a function at zero stays there on a resolved alert.
// Duplicate deliveries are ignored as in step mode. A received
// resolution's drop that was not applied is owed (State.StepDropOwed) and
// decided again on the next pass without a signal; one held above its
// floor by an active scheduled minimum is owed until the schedule ends,
// applied or not, as is the lapse's (taken for a lost resolution:
// oweHeldDrop). A resolution that moves nothing is steady, and one that
// raises the count (min raised since the step) at_min: coded step_down,
// the decisions metric counted scale-downs that never happened.
func decideExactCE(spec Spec, obs Observation, st State, now time.Time) Decision {
	cur := obs.Replicas
	d := Decision{Replicas: cur, Next: st}
	sig := obs.Signal
	maxp := min(spec.Max, ceMaxReplicas)
	d.Next.StepRuleAt, d.Next.StepRuleRepeats = stepRuleAt(sig, &st, now)
	step := uint64(math.Ceil(float64(maxp) / 100 * float64(spec.Factor)))
	// A drop owed is this pass's to decide again (outcome owes it anew if
	// that is not applied either), or ended by what this pass acts on; a
	// signal that adds nothing keeps it for the next pass (below).
	owed, owedFrom, owedHeld := st.StepDropOwed, st.StepDropFrom, st.StepDropHeld
	d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = time.Time{}, 0, false
	switch {
	case ruleLapsed(sig, &st, d.Next.StepRuleAt) && cur > 0:
		lo, code, why := floor(&spec, &obs)
		d.Replicas, d.Code = min(lo, cur), CodeStepDown
		if code == CodeScheduledMin {
			d.Code = code
		}
		if d.Replicas == cur {
			d.Code = CodeSteady
		}
		d.Reason, d.lapsed = "exact CE: "+lapsedWords(&st)+why, true
		if d.Replicas < cur {
			// Owed by outcome only when overtaken by the loop's own
			// earlier write; not applied otherwise, the lapse is found
			// again.
			d.dropOwed, d.dropFrom = now, cur
		}
		// The lapse stands for the lost resolution, so its drop held by a
		// schedule is owed as the resolution's is: seen on this one pass,
		// it left the function at the schedule's count for good once the
		// schedule ended (a review's finding).
		oweHeldDrop(&d, &spec, cur, code, now)
	case sig == nil && !owed.IsZero() && cur > 0:
		return owedDrop(&spec, &obs, d, owed, owedFrom, owedHeld)
	case sig == nil:
		d.Code = CodeSteady
		if !obs.quiet {
			d.Reason = fmt.Sprintf("exact CE, no alert: keep %d", cur)
		}
	case besideRule(sig, d.Next.StepRuleAt):
		d.Code = CodeDuplicate
		if !obs.quiet {
			d.Reason = "exact CE: " + besideRuleWords(sig, cur)
		}
	case earlierInstance(sig, &st):
		d.Code = CodeSteady
		d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = owed, owedFrom, owedHeld // it says nothing of the instance whose drop is owed
		if !obs.quiet {
			d.Reason = "exact CE: " + earlierInstanceWords(sig, cur)
		}
	case sig.Status == Firing && step > 0:
		key := stepKey(sig)
		if at, ok := stepped(sig, key, &st, spec.StepDedup, now); ok {
			// A late copy of the firing already stepped on (an HA peer's,
			// a retry) is no new firing: the drop owed since stays owed.
			d.Code = CodeDuplicate
			d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = owed, owedFrom, owedHeld
			d.Reason = steppedWords(sig, at, cur)
			return d
		}
		if ruleFollowsOther(sig, &st, now) {
			stepOn(&d.Next, &st, key, sig, now)
			d.Code, d.Reason = CodeDuplicate, "exact CE: "+ruleFollowsOtherWords(sig, &st, cur)
			return d // as a duplicate delivery
		}
		stepOn(&d.Next, &st, key, sig, now)
		d.Replicas, d.forLoad = addCapped(cur, step, maxp), true
		switch {
		case cur == 0:
			d.Code = CodeFromZero
		case d.Replicas < cur:
			// Above CE's cap of 5 (set by hand, or max above 5): CE's
			// arithmetic takes the count down, and the code says so.
			d.Code = CodeStepDown
		default:
			d.Code = CodeStepUp
		}
		d.Reason = fmt.Sprintf("exact CE: alert %s firing: min(%d + %d, %d) → %d", sig.AlertName, cur, step, maxp, d.Replicas)
		// A scheduled minimum floors it, as when the alert resolves: CE's
		// cap of 5 took a function at a scheduled 8 down to 5 on high-load
		// evidence. CE's own min is not applied here (CE does not).
		if lo, code, why := floor(&spec, &obs); code == CodeScheduledMin && d.Replicas < lo {
			d.Replicas, d.Code = lo, code
			d.Reason += "; " + why
		}
	case cur == 0:
		d.Code, d.Reason = CodeAtZeroIdle, "exact CE: alert resolved at 0 replicas: left to the idler"
	default:
		lo, code, why := floor(&spec, &obs)
		d.Replicas = lo
		switch {
		case lo == cur:
			// A second copy of a resolution whose drop landed, or an
			// alert that resolved at the floor: nothing moved, and a
			// step_down counted a scale-down that never happened.
			d.Code = CodeSteady
		case code == CodeScheduledMin:
			d.Code = code // the schedule, not CE's min, set the count
		case lo > cur:
			d.Code = CodeAtMin // min raised since the step: the floor raised it
		default:
			d.Code = CodeStepDown
		}
		d.Reason = fmt.Sprintf("exact CE: alert %s %s → %s", sig.AlertName, sig.Status, why)
		if d.Replicas < cur {
			d.dropOwed, d.dropFrom = now, cur
		}
		oweHeldDrop(&d, &spec, cur, code, now)
	}
	d.Recommended = d.Replicas
	return d
}

// oweHeldDrop owes, until the schedule ends, exact CE's drop to the floor
// (a received resolution's, or the lapse taken for a lost one) that an
// active scheduled minimum holds above the drop's own floor, max(min, 1),
// even when the count d asks for lands: the resolution is not sent again,
// and exact CE holds without an alert, so the function kept the scheduled
// count for good. Owed from the higher of the count decided on (cur) and
// the one asked for: a read lagging this very write (an informer cache)
// finds the count decided on, which is no raise since; only a count above
// both is (owedDrop). A count asked for at or below that floor leaves the
// schedule's end nothing to drop.
func oweHeldDrop(d *Decision, spec *Spec, cur uint64, code ReasonCode, now time.Time) {
	base := min(max(spec.Min, 1), spec.Max)
	if code != CodeScheduledMin || d.Replicas <= base {
		return
	}
	d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = now, max(cur, d.Replicas), true
	d.Reason += fmt.Sprintf("; its drop to %s owed until it ends", minWords(base))
}

// owedDrop decides again the drop to the floor of a received resolution
// (decided at owed, on from replicas; 0: not known) that was not applied:
// the resolution is not sent again, so this pass is its only retry, as the
// lapse's is. Found at or below the floor without a schedule, max(min, 1),
// the drop landed (or another write took it there) and nothing is owed any
// more. Found above from, someone raised the function since (a kubectl
// scale after the failed write): the drop, had it landed, came before that
// raise, which exact CE would then have kept (it holds without an alert),
// so the raise is kept and nothing is owed either. Held above that floor
// by an active scheduled minimum alone, the drop is still owed: the
// schedule ends, the resolution is not sent again, and ended here the
// function stayed above its floor for good once it did (a review's
// finding). Decide carries that debt itself, found at the schedule's count
// (no intent is proposed; owed from then on from that count, once below
// from) or taken down to it (the write landing there ends nothing:
// reviews' findings). The lapse's drop held by a schedule is owed here too
// (oweHeldDrop). held (State.StepDropHeld) says a schedule, not a write
// not applied, kept the drop: its retry is worded as the schedule ended.
func owedDrop(spec *Spec, obs *Observation, d Decision, owed time.Time, from uint64, held bool) Decision {
	cur := obs.Replicas
	at := owed.UTC().Format(time.TimeOnly)
	if from > 0 && cur > from {
		d.Code = CodeSteady
		if !obs.quiet {
			d.Reason = fmt.Sprintf("exact CE: raised to %d since the drop owed from %d (alert resolved at %s): keep %d", cur, from, at, cur)
		}
		d.Recommended = d.Replicas
		return d
	}
	lo, code, why := floor(spec, obs)
	// base is the drop's own floor, the schedule aside: only at or below
	// it has the drop nothing left to do once a schedule ends.
	base := min(max(spec.Min, 1), spec.Max)
	d.Replicas, d.Code = min(lo, cur), CodeStepDown
	switch {
	case d.Replicas == cur:
		d.Code = CodeSteady
		if cur > base {
			// Held by the schedule (lo > base), owed from the count this
			// read found once it is below from: the drop's write is seen
			// landed, and a read does not go back past what one saw (an
			// informer lags, it does not rewind), so a count found above
			// it since is a raise, which owed from the count decided on
			// the schedule's end took back (a review's finding). A from
			// not known (0) stays so.
			d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = owed, min(from, cur), true
		}
	case code == CodeScheduledMin:
		d.Code, d.dropOwed, d.dropFrom = code, owed, cur
		if lo > base {
			// Landed, the drop is still held by the schedule: owed until
			// it ends, from the count decided on (as a resolution held
			// by a schedule is, decideExactCE); outcome owes it anew,
			// or ends it, when the write does not land.
			d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = owed, cur, true
		}
	default:
		d.dropOwed, d.dropFrom = owed, cur
	}
	if !obs.quiet {
		switch {
		case cur > lo && held:
			// Every write may have landed: what kept the drop was a
			// scheduled minimum, which has ended (or fallen) since, not
			// a write that failed.
			ended := "ended"
			if code == CodeScheduledMin {
				ended = "fallen"
			}
			d.Reason = fmt.Sprintf("exact CE: alert resolved at %s, its drop held by a scheduled min that has %s → %s → %d", at, ended, why, d.Replicas)
		case cur > lo:
			d.Reason = fmt.Sprintf("exact CE: alert resolved at %s, its drop not applied yet → %s → %d", at, why, d.Replicas)
		case cur > base:
			d.Reason = fmt.Sprintf("exact CE: alert resolved at %s, its drop to %s held by the %s: owed until it ends, keep %d",
				at, minWords(base), why, cur)
		case from > 0 && cur == from:
			// Found at from (the count decided on, or the one read
			// while the schedule held it): the floor rose to the count
			// (min raised since), which leaves the drop nothing to do.
			d.Reason = fmt.Sprintf("exact CE: drop owed since %s from %d ends: %s holds it, keep %d", at, from, minWords(base), cur)
		case cur == base:
			d.Reason = fmt.Sprintf("exact CE: drop owed since %s found done: at the floor %d (%s), keep %d", at, base, minWords(base), cur)
		default:
			d.Reason = fmt.Sprintf("exact CE: drop owed since %s found done: below the floor %d (%s), keep %d", at, base, minWords(base), cur)
		}
	}
	d.Recommended = d.Replicas
	return d
}
