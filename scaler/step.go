package scaler

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// decideStep handles step mode, driven by alerts as the OpenFaaS gateway was:
// a firing alert adds ceil(max × factor / 100) replicas up to max; a resolved
// alert steps down gradually, reaching the floor at the end of the down
// window (the CE gateway dropped straight to min, see ExactCE).
//
// AlertManager repeats: a firing alert with the same fingerprint and StartsAt
// as the last one acted on, within StepDedup, adds nothing (duplicate
// deliveries), nor does AlertManager's retry of a notification answered 5xx
// whose instance was stepped on since (Signal.RetryOf, however late); later
// repeats step again, as CE does on each repeat_interval.
func decideStep(spec Spec, obs Observation, st State, now time.Time) Decision {
	if spec.ExactCE {
		return decideExactCE(spec, obs, st, now)
	}
	cur := obs.Replicas
	d := Decision{Replicas: cur, Next: st}
	sig := obs.Signal
	step := stepSize(spec.Max, spec.Factor)
	lo, _, _ := floor(&spec, &obs)
	d.Next.StepRuleAt, d.Next.StepRuleRepeats = stepRuleAt(sig, &st, now)
	lapsed := ruleLapsed(sig, &st, d.Next.StepRuleAt)

	switch {
	case besideRule(sig, d.Next.StepRuleAt):
		d.Code = CodeDuplicate
		if !obs.quiet {
			d.Reason = besideRuleWords(sig, cur)
		}
		return clampStep(spec, obs, d)
	case earlierInstance(sig, &st):
		d.Code = CodeSteady
		if !obs.quiet {
			d.Reason = earlierInstanceWords(sig, cur)
		}
		return clampStep(spec, obs, d)
	case cur == 0 && sig != nil && sig.Status == Firing && sig.ScalingType == metricsource.TypeQueue:
		// The generated at-zero alert for messages queued carries the
		// queue type so that a function is woken to its floor, not
		// stepped: one message woke a max-20 function to 4 (a review's
		// finding). Its repeats are duplicates of this wake.
		stepOn(&d.Next, &st, stepKey(sig), sig, now)
		d.Next.RampFrom, d.Next.RampStart, d.Next.StepFoundAt = 0, time.Time{}, time.Time{}
		v, _, _, _ := clamp(&spec, &obs, 1)
		d.Replicas, d.Recommended, d.Code, d.forLoad = v, v, CodeFromZero, true
		d.Reason = fmt.Sprintf("alert %s firing: messages queued at zero → %d", sig.AlertName, v)
		return clampStep(spec, obs, d)
	case sig != nil && sig.Status == Firing:
		key := stepKey(sig)
		if at, ok := stepped(sig, key, &st, spec.StepDedup, now); ok {
			d.Code = CodeDuplicate
			d.Reason = steppedWords(sig, at, cur)
			return clampStep(spec, obs, d)
		}
		if ruleFollowsOther(sig, &st, now) {
			// Its repeats step from here, as CE's would have.
			stepOn(&d.Next, &st, key, sig, now)
			d.Code, d.Reason = CodeDuplicate, ruleFollowsOtherWords(sig, &st, cur)
			return clampStep(spec, obs, d)
		}
		stepOn(&d.Next, &st, key, sig, now)
		d.Next.RampFrom, d.Next.RampStart, d.Next.StepFoundAt = 0, time.Time{}, time.Time{}
		want := addCapped(cur, step, spec.Max)
		d.Recommended = want
		d.Replicas = want
		d.forLoad = true
		switch {
		case cur > 0 && want <= cur:
			// At or above max (lowered since it was reached): max sets
			// the count, no step up; coded step_up, a scale down to a
			// lowered max read as a step up (a review's finding).
			d.Code = CodeAtMax
			d.Reason = fmt.Sprintf("alert %s firing at %d: max %d → %d", sig.AlertName, cur, spec.Max, want)
		default:
			d.Code = CodeStepUp
			if cur == 0 {
				d.Code = CodeFromZero
			}
			d.Reason = fmt.Sprintf("alert %s firing: %d + step %d (%d%% of max %d) → %d", sig.AlertName, cur, step, spec.Factor, spec.Max, want)
		}
		return clampStep(spec, obs, d)
	case cur == 0:
		// Messages queued at zero wake it to its floor, as any type's
		// (wakeForBacklog): no alert of its own comes for them.
		obs.Queued = loadOrNil(obs.Queued)
		if qd, ok := wakeForBacklog(spec, obs, d); ok {
			return qd
		}
		return zeroIdle(spec, obs, d)
	case sig != nil && sig.Status == Resolved, lapsed:
		if d.Next.RampStart.IsZero() {
			d.Next.RampFrom, d.Next.RampStart = cur, now
		}
		d.Next.StepFoundAt = time.Time{}
	}
	if d.Next.RampStart.IsZero() && cur > lo && st.StepAt.IsZero() && d.Next.StepRuleAt.IsZero() {
		// A count found above the floor with no firing alert acted on in
		// this term (a start, a new term): the alert that raised it may
		// have been resolved before, and a resolve answered 200 is not
		// sent again, while a firing alert repeats (every 30 s on the
		// route `rules` generates). One down window without one, and it
		// steps down as after a resolve.
		switch {
		case st.StepFoundAt.IsZero():
			d.Next.StepFoundAt = now
		case now.Sub(st.StepFoundAt) >= spec.DownWindow:
			d.Next.StepFoundAt = time.Time{}
			d.Next.RampFrom, d.Next.RampStart = cur, now
		}
	} else if d.Next.RampStart.IsZero() {
		d.Next.StepFoundAt = time.Time{}
	}
	if d.Next.RampStart.IsZero() {
		d.Code = CodeSteady
		if !obs.quiet {
			d.Reason = fmt.Sprintf("step mode, no new alert: keep %d", cur)
			if f := d.Next.StepFoundAt; !f.IsZero() {
				d.Reason = fmt.Sprintf("step mode, found at %d with no firing alert seen since %s: keep %d until %s, then step down to %d as after a resolve",
					cur, f.UTC().Format(time.TimeOnly), cur, f.Add(spec.DownWindow).UTC().Format(time.TimeOnly), lo)
			}
		}
		return clampStep(spec, obs, d)
	}
	// Stepping down: a straight line from RampFrom at RampStart to the floor
	// at RampStart + DownWindow, evaluated on every tick.
	elapsed := now.Sub(d.Next.RampStart)
	want := lo
	if from := d.Next.RampFrom; elapsed < spec.DownWindow && from > lo {
		// elapsed < DownWindow keeps the share below 1; the min guards the
		// float rounding of a huge from-lo so the subtraction cannot wrap.
		want = from - min(uint64(float64(from-lo)*float64(elapsed)/float64(spec.DownWindow)), from-lo)
	} else {
		d.Next.RampFrom, d.Next.RampStart = 0, time.Time{}
	}
	want = min(want, cur)
	d.Recommended = want
	d.Replicas = want
	if want < cur {
		d.Code = CodeStepDown
		if d.Next.RampStart.IsZero() {
			// The pass that asks for the floor ends the ramp: outcome puts
			// it back if that is not applied (endedRamp).
			d.endedRamp = ramp{from: st.RampFrom, start: st.RampStart}
			if st.RampStart.IsZero() { // started on this very pass (a zero down window)
				d.endedRamp = ramp{from: cur, start: now}
			}
		}
	} else {
		d.Code = CodeSteady
	}
	d.Reason = fmt.Sprintf("alert resolved %s ago: stepping down from %d to %d over %v → %d",
		elapsed.Round(time.Second), d.Next.RampFrom, lo, spec.DownWindow, want)
	if d.Next.RampStart.IsZero() {
		d.Reason = fmt.Sprintf("alert resolved %s ago, down window %v over → %d", elapsed.Round(time.Second), spec.DownWindow, want)
	}
	if lapsed {
		d.Reason, d.lapsed = lapsedWords(&st)+d.Reason, true
	}
	return clampStep(spec, obs, d)
}

// stepSize is step mode's step, ceil(max × factor / 100), computed on the
// 128-bit product: the uint64 product (max*factor + 99) wrapped for a huge
// com.openfaas.scale.max (any uint64 is accepted), leaving a step of 0 so a
// firing alert never scaled up. Equal to the old formula wherever that did
// not overflow; a result above the uint64 range (only possible with an
// unvalidated factor above 100) saturates, and addCapped caps it at max.
func stepSize(maxReplicas, factor uint64) uint64 {
	hi, lo := bits.Mul64(maxReplicas, factor)
	lo, carry := bits.Add64(lo, 99, 0)
	hi += carry // cannot wrap: max × factor + 99 < 2^128
	if hi >= 100 {
		return math.MaxUint64 // the quotient would not fit in 64 bits
	}
	q, _ := bits.Div64(hi, lo, 100)
	return q
}

// addCapped is min(cur + step, limit) without the wrap of cur + step: a
// huge step (or replica count) would otherwise wrap to a small sum and a
// firing alert would scale the function down.
func addCapped(cur, step, limit uint64) uint64 {
	if cur >= limit || step >= limit-cur {
		return limit
	}
	return cur + step
}

// clampStep applies [floor, max] to a step decision, except that a function
// at zero which this decision leaves at zero stays there.
func clampStep(spec Spec, obs Observation, d Decision) Decision {
	if d.Replicas == 0 && obs.Replicas == 0 {
		return zeroIdle(spec, obs, d)
	}
	if v, code, why, changed := clamp(&spec, &obs, d.Replicas); changed {
		d.Replicas, d.Code = v, code
		d.Reason = fmt.Sprintf("%s; %s → %d", d.Reason, why, v)
	}
	return d
}

// zeroIdle leaves a function at zero alone, unless a scheduled minimum
// asks for replicas. A down-ramp ends here: the function left the count it
// ramped from, and a ramp kept through a spell at zero dropped the function
// to its floor on the first tick after anything raised it again, on an
// alert resolved long before and no alert now.
func zeroIdle(spec Spec, obs Observation, d Decision) Decision {
	d.Next.RampFrom, d.Next.RampStart, d.Next.StepFoundAt = 0, time.Time{}, time.Time{}
	if obs.ScheduledMin > 0 {
		v, code, why, _ := clamp(&spec, &obs, 0)
		d.Replicas, d.Code, d.Reason = v, code, fmt.Sprintf("at zero; %s → %d", why, v)
		return d
	}
	d.Replicas, d.Code, d.Reason = 0, CodeAtZeroIdle, "at 0 replicas without a firing alert: left to the idler"
	return d
}
