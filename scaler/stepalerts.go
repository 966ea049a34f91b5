package scaler

import (
	"fmt"
	"strings"
	"time"
)

// StepRuleEvidence is how long a delivery of the generated step alert
// (scaling_type "step") firing says it still fires: twice the
// repeat_interval of the AlertManager route `rules` generates (30s), so
// one late or retried repeat does not end it. While it does, OpenFaaS CE's
// alert beside it adds nothing (besideRule); once the generated alert has
// not been seen for this long, its resolution is taken as lost and CE's
// alert drives step mode again.
const StepRuleEvidence = time.Minute

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
