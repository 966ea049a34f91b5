package scaler

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// StepRuleEvidence is how long a delivery of the generated step alert
// (scaling_type "step") firing says it still fires: twice the
// repeat_interval of the AlertManager route `rules` generates (30s), so
// one late or retried repeat does not end it. While it does, OpenFaaS CE's
// alert beside it adds nothing (besideRule); once the generated alert has
// not been seen for this long, its resolution is taken as lost and CE's
// alert drives step mode again.
const StepRuleEvidence = time.Minute

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

// stepRuleAt is State.StepRuleAt (and StepRuleRepeats) after sig at now:
// now when sig is the generated step alert (scaling_type "step") firing,
// zero when it is that alert resolved or when the last firing seen is
// StepRuleEvidence old (its resolution lost: AlertManager repeats a firing
// alert well within that); other signals leave it as it was.
func stepRuleAt(sig *Signal, st *State, now time.Time) (time.Time, bool) {
	if sig != nil && sig.ScalingType == TypeStep {
		switch {
		case sig.Status == Firing:
			return now, sig.Repeats
		case earlierInstance(sig, st):
			// The resolution of an instance before the one stepped on says
			// nothing of the one firing now (a review's finding: CE's
			// alert 5 s later stepped the condition a second time).
			return st.StepRuleAt, st.StepRuleRepeats
		}
		return time.Time{}, false
	}
	if was := st.StepRuleAt; !was.IsZero() && now.Sub(was) >= StepRuleEvidence {
		return time.Time{}, false
	}
	return st.StepRuleAt, st.StepRuleRepeats
}

// ruleLapsed reports whether the generated step alert, the last alert
// stepped on, has just gone unseen for StepRuleEvidence (next, stepRuleAt's
// result, zero where st.StepRuleAt was set) with no signal now: its
// resolution is taken as lost. Its AlertManager route repeats a firing
// alert every 30 s, so silence means it no longer fires, and a resolution
// that never came (send_resolved false on a receiver edited by hand, a
// resolved alert cut by max_alerts) left the function at its stepped count
// for good. Only from a sender that repeats (StepRuleRepeats): Grafana's
// own notifications repeat every 4h by default, and a Grafana step rule
// still firing was stepped down after a minute (a review's finding). An
// alert without a scaling_type (CE's) comes on a route whose
// repeat_interval is not known (AlertManager's default is 4h): its silence
// says nothing, and its step is kept until it resolves, as CE's gateway
// keeps it.
func ruleLapsed(sig *Signal, st *State, next time.Time) bool {
	return sig == nil && !st.StepRuleAt.IsZero() && st.StepRuleRepeats && next.IsZero() &&
		st.StepKey != "" && !strings.HasPrefix(st.StepKey, otherAlert)
}

func lapsedWords(st *State) string {
	return fmt.Sprintf("generated step alert last seen firing at %s, not repeated for %v: its resolution taken as lost; ",
		st.StepRuleAt.UTC().Format(time.TimeOnly), StepRuleEvidence)
}

// besideRule reports whether sig is an alert without a scaling_type while
// the generated step alert fires (seen firing at byRule, within
// StepRuleEvidence: stepRuleAt has dropped an older one). With `rules --ce-compatible` both
// the generated FunctionStepRateHigh and OpenFaaS CE's APIHighInvocationRate
// reach the controller for one condition, each in its own AlertManager
// group and repeated on its own timer: each stepped (twice the factor's
// pace), and CE's resolution started the way down (exact CE: dropped to
// min) under the generated alert still firing. CE's alert alone (no
// generated rule loaded) still drives step mode.
func besideRule(sig *Signal, byRule time.Time) bool {
	return sig != nil && sig.ScalingType == "" && !byRule.IsZero()
}

func besideRuleWords(sig *Signal, cur uint64) string {
	return fmt.Sprintf("alert %s %s beside the generated step alert, which fires: one condition steps once; keep %d", sig.AlertName, sig.Status, cur)
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

// stepKey identifies one firing episode of one alert.
func stepKey(sig *Signal) string {
	k := sig.Fingerprint + "@" + sig.StartsAt.UTC().Format(time.RFC3339Nano)
	if sig.ScalingType == "" {
		return otherAlert + k // ruleFollowsOther tells it from the generated alert's
	}
	return k
}

// otherAlert prefixes the step key of an alert without a scaling_type
// (OpenFaaS CE's APIHighInvocationRate): a fingerprint is hexadecimal, so
// no key of the generated alert begins with it.
const otherAlert = "~"

// ruleFollowsOther reports whether sig is the generated step alert's first
// firing (it was not firing: st.StepRuleAt zero) within StepRuleEvidence of
// a step on an alert without a scaling_type: with `rules --ce-compatible`
// CE's alert and the generated one are one condition, each in its own
// AlertManager group, and CE's, which reads a shorter rate, often fires
// first (5-10 calls/s at the 5 s scrape defaults); both stepped, twice the
// factor's pace (a review's finding). besideRule silences CE's alert once
// the generated one fires; this is the same for the other order.
func ruleFollowsOther(sig *Signal, st *State, now time.Time) bool {
	return sig.ScalingType == TypeStep && st.StepRuleAt.IsZero() &&
		strings.HasPrefix(st.StepKey, otherAlert) && now.Sub(st.StepAt) < StepRuleEvidence
}

func ruleFollowsOtherWords(sig *Signal, st *State, cur uint64) string {
	return fmt.Sprintf("alert %s firing for the condition an alert without a scaling_type stepped on at %s: one condition steps once; keep %d",
		sig.AlertName, st.StepAt.Format(time.TimeOnly), cur)
}

// stepOn records in next a step on sig's instance (key) decided at now.
// The instance stepped on before, if another, is kept beside it: a function
// with two alerts firing (two rules, or its bare and qualified series) has
// both in one notification, and both come back in its retries. The step is
// stamped no earlier than sig was received: a pass reads its time before
// it lists the functions and takes the signals queued meanwhile, and a
// stamp before the receipt would not count for the notification's retries
// (stepped).
func stepOn(next, st *State, key string, sig *Signal, now time.Time) {
	if key != st.StepKey {
		next.PrevStepKey, next.PrevStepAt = st.StepKey, st.StepAt
	}
	next.StepKey, next.StepAt = key, now
	if sig.Received.After(now) {
		next.StepAt = sig.Received
	}
}

// steppedAt is when sig's instance (key) was last stepped on, as far as st
// remembers (its last two instances).
func steppedAt(key string, st *State) (time.Time, bool) {
	switch {
	case key == "":
		return time.Time{}, false
	case key == st.StepKey:
		return st.StepAt, true
	case key == st.PrevStepKey:
		return st.PrevStepAt, true
	}
	return time.Time{}, false
}

// stepped says the firing sig (its stepKey key) was already stepped on: the
// step on its instance was within dedup (a duplicate delivery, an HA peer's
// copy), or since the notification it is a retry of was first received
// (Signal.RetryOf: AlertManager sends a notification answered 5xx again
// until one is answered 2xx, 10 s and more later). A step that was not
// applied is undone (Loop.outcome), so the retry steps then.
// It returns when that step was.
func stepped(sig *Signal, key string, st *State, dedup time.Duration, now time.Time) (time.Time, bool) {
	at, ok := steppedAt(key, st)
	return at, ok && (now.Sub(at) < dedup || retried(sig, at))
}

// retried says sig is a retry of a notification first received at or
// before at.
func retried(sig *Signal, at time.Time) bool {
	return !sig.RetryOf.IsZero() && !at.Before(sig.RetryOf)
}

// steppedWords is the reason of a duplicate of the step sig's instance took
// at at.
func steppedWords(sig *Signal, at time.Time, cur uint64) string {
	if retried(sig, at) {
		return fmt.Sprintf("alert %s already stepped at %s for the notification AlertManager is retrying (first received %s): keep %d",
			sig.AlertName, at.Format(time.TimeOnly), sig.RetryOf.Format(time.TimeOnly), cur)
	}
	return fmt.Sprintf("alert %s already stepped at %s: keep %d", sig.AlertName, at.Format(time.TimeOnly), cur)
}

// earlierInstance says sig resolves an earlier instance of the alert last
// stepped on: the same fingerprint, an earlier StartsAt. It says nothing
// about the instance firing now, which AlertManager resolves on its own;
// acted on, it dropped exact CE to its minimum (and started step mode's way
// down) under a firing alert. Such a resolution comes after the newer firing
// when AlertManager's store replaced the firing instance by a resolved one
// that does not overlap it (HA Prometheus, restarts) and notified that.
func earlierInstance(sig *Signal, st *State) bool {
	if sig == nil || sig.Status != Resolved || st.StepKey == "" {
		return false
	}
	key := strings.TrimPrefix(st.StepKey, otherAlert)
	i := strings.LastIndexByte(key, '@')
	if i < 0 || key[:i] != sig.Fingerprint {
		return false
	}
	at, err := time.Parse(time.RFC3339Nano, key[i+1:])
	return err == nil && sig.StartsAt.Before(at)
}

func earlierInstanceWords(sig *Signal, cur uint64) string {
	return fmt.Sprintf("alert %s resolved for its instance started %s, earlier than the one stepped on: keep %d",
		sig.AlertName, sig.StartsAt.UTC().Format(time.RFC3339), cur)
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
