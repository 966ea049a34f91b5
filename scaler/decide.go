package scaler

import (
	"fmt"
	"math"
	"time"

	"github.com/faas-autoscaler/faas-autoscaler/metricsource"
)

// defaultStableWindow is used for burst-mode expiry when an observation does
// not say over which window its stable load was averaged.
const defaultStableWindow = 60 * time.Second

// maxRecommendations bounds State.Recommendations whatever the window and
// the evaluation rate, so state stays small.
const maxRecommendations = 512

// Decide returns the replica target for one function. It is pure: a function
// of its arguments only, no I/O, no clock.
//
// Zero is never chosen here: a running function is floored at max(min, 1)
// (zero is the idler's decision), a function at zero stays there until it has
// load or a firing alert, and then wakes to at least max(min, 1).
func Decide(spec Spec, obs Observation, st State, now time.Time) Decision {
	var d Decision
	switch {
	case spec.Static():
		d = Decision{Replicas: obs.Replicas, Code: CodeStatic, Next: st}
		if !obs.quiet {
			d.Reason = fmt.Sprintf("min = max = %d: static, never scaled (keep %d)", spec.Min, obs.Replicas)
		}
	case spec.Step():
		d = decideStep(spec, obs, st, now)
	default:
		d = decideTarget(&spec, &obs, &st, now)
	}
	d.Current = obs.Replicas
	d.Scale = d.Replicas != d.Current
	if d.Scale {
		d.Next.LastScale = now
		d.Next.LastScaleDir = Up
		if d.Replicas < d.Current {
			d.Next.LastScaleDir = Down
		}
	}
	return d
}

// floor is the lowest count for a running function: max(min, 1, scheduled
// minimum), never above max. It says which bound it is.
func floor(spec *Spec, obs *Observation) (uint64, ReasonCode, string) {
	lo, code, why := max(spec.Min, 1), CodeAtMin, ""
	if !obs.quiet {
		why = fmt.Sprintf("min %d", lo)
	}
	if obs.ScheduledMin > lo {
		lo, code, why = obs.ScheduledMin, CodeScheduledMin, fmt.Sprintf("scheduled min %d", obs.ScheduledMin)
		if obs.ScheduledMinReason != "" && !obs.quiet {
			why += " (" + obs.ScheduledMinReason + ")"
		}
	}
	if lo > spec.Max {
		lo = spec.Max
	}
	return lo, code, why
}

// clamp bounds v to [floor, max]; changed is false when v was inside.
func clamp(spec *Spec, obs *Observation, v uint64) (out uint64, code ReasonCode, why string, changed bool) {
	lo, code, why := floor(spec, obs)
	if v < lo {
		return lo, code, why, true
	}
	if v > spec.Max {
		return spec.Max, CodeAtMax, fmt.Sprintf("max %d", spec.Max), true
	}
	return v, "", "", false
}

// replicasFor is ceil(load / perReplica), 0 for no load, saturating instead
// of overflowing on absurd loads.
func replicasFor(load, perReplica float64) uint64 {
	if !(load > 0) {
		return 0
	}
	r := math.Ceil(load / perReplica)
	if r > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint64(r)
}

// record appends rec to the stabilisation history, dropping entries older
// than window. It never writes into recs, so earlier State values stay
// untouched: an append copies; a history it only shortens is a suffix of
// recs (sameState tells a suffix from recs by its first entry).
//
// A zero recommendation is not appended: the window's highest is a maximum,
// so a zero never binds (keepBinding dropped it at the next entry anyway).
// Left out, the history of a function idle past its down window is empty and
// stays so, the decision reads no clock, and the next tick can repeat it
// instead of deciding (repeat); appended, it was a new slice per tick for
// every such function.
func record(recs []Recommendation, rec Recommendation, window time.Duration) []Recommendation {
	if window <= 0 {
		return nil
	}
	start := 0
	for start < len(recs) && time.Duration(rec.At-recs[start].At) > window {
		start++
	}
	if rec.Replicas == 0 {
		return recs[start:len(recs):len(recs)] // no room to append into: another state's entries may follow
	}
	if n := len(recs) - start; n >= maxRecommendations {
		start += n - maxRecommendations + 1
	}
	out := make([]Recommendation, 0, len(recs)-start+1)
	out = append(out, recs[start:]...)
	return append(out, rec)
}

// highest is the largest recommendation in recs still in force at now.
func highest(recs []Recommendation, now time.Time) uint64 {
	var hi uint64
	for _, r := range recs {
		if r.Expires != 0 && InstantOf(now) >= r.Expires {
			continue // an alert's load past its evidence window
		}
		hi = max(hi, r.Replicas)
	}
	return hi
}

// alertEvidence is how long an alert's load stands as evidence: one stable
// window. The load stands in for the average Prometheus would show; if
// Prometheus still shows nothing a stable window later, the alert's number
// (which anyone who can reach the webhook can send) holds nothing.
func alertEvidence(obs Observation) time.Duration {
	if obs.StableWindow > 0 {
		return obs.StableWindow
	}
	return defaultStableWindow
}

// decideTarget handles the target modes (rps, capacity, cpu, queue, custom).
// spec, obs and st are Decide's copies, by pointer (they were copied again
// at every call, a decision's largest cost after its words): obs is
// changed (an alert's burst reading), the others only read.
func decideTarget(spec *Spec, obs *Observation, st *State, now time.Time) Decision {
	cur := obs.Replicas
	per := spec.PerReplicaTarget()
	d := Decision{Replicas: cur, Next: *st}
	load, src := obs.StableLoad, ""
	if !obs.quiet {
		src = stableSource(*spec, obs.StableWindow, obs.StablePart)
	}
	// An alert's load counts only while the alert fires, and only when it
	// measures this function's type (its labels may have changed since the
	// rule fired). A resolved alert's load is the last value seen while it
	// fired: when Prometheus has no data (down, so AlertManager resolved its
	// alerts at their end), standing in for the stable load it would scale
	// on a number nothing measures any more.
	alertLoad := obs.Signal != nil && obs.Signal.Status == Firing && obs.Signal.Load != nil &&
		(obs.Signal.ScalingType == "" || obs.Signal.ScalingType == spec.Type)
	fromAlert := false
	if load == nil && alertLoad {
		load, src, fromAlert = obs.Signal.Load, " (from the alert)", true
	}
	if obs.StableLoad != nil {
		// Prometheus has data: decisions rest on it from now on.
		d.Next.AlertLoadAt, d.Next.AlertBase = time.Time{}, 0
	}
	// A firing alert's load is the freshest short-window reading there is
	// (the rule's window is a few scrapes): it is burst evidence, so the
	// evaluation it triggers reacts to the step it reports instead of
	// waiting for the controller's burst window to fill.
	var burstSrc, target string // reason words; none for a quiet observation
	if !obs.quiet {
		burstSrc = fmt.Sprintf("over %v%s", obs.BurstWindow, partWords(obs.BurstPart))
		target = fmt.Sprintf("target %g×%.2f", spec.Target, spec.TargetProportion)
	}
	if alertLoad && (obs.BurstLoad == nil || *obs.Signal.Load > *obs.BurstLoad) {
		obs.BurstLoad, burstSrc, fromAlert = obs.Signal.Load, "from the alert", true
		obs.BurstPart = metricsource.PartUnknown // the alert's reading, not the source's
	}
	if fromAlert && obs.StableLoad == nil {
		if d.Next.AlertLoadAt.IsZero() {
			d.Next.AlertBase = cur
		}
		d.Next.AlertLoadAt = now
	}

	if cur == 0 {
		return wakeFromZero(spec, obs, d, load, per, target)
	}
	if load == nil {
		if at := d.Next.AlertLoadAt; !at.IsZero() && now.Sub(at) >= alertEvidence(*obs) {
			// The count rests only on an alert's load, now past its
			// evidence window: back to the count before it (issue 15, item 6).
			base := d.Next.AlertBase
			d.Next.AlertLoadAt, d.Next.AlertBase = time.Time{}, 0
			if base < cur {
				v, _, why, changed := clamp(spec, obs, base)
				d.Replicas, d.Code = v, CodeNoData
				d.Reason = fmt.Sprintf("no %s load; the alert's load of %s expired after %v with no data to confirm it: back to %d",
					spec.Type, at.Format(time.TimeOnly), alertEvidence(*obs), base)
				if changed {
					d.Reason = fmt.Sprintf("%s; %s → %d", d.Reason, why, v)
				}
				return d
			}
		}
		v, code, why, changed := clamp(spec, obs, cur)
		if !changed {
			d.Code = CodeNoData
			if !obs.quiet {
				d.Reason = fmt.Sprintf("no %s load: keep %d", spec.Type, cur)
			}
			return d
		}
		d.Replicas, d.Code = v, code
		d.Reason = fmt.Sprintf("no %s load; %s → %d", spec.Type, why, v)
		return d
	}
	// Scale up on the freshest evidence, down only on the stable average (the
	// HPA's asymmetry: no up-stabilisation, a down window). A stable average
	// lags a load step by up to its whole window; the burst window (or the
	// alert's own short window) does not. Capacity added this way is held by
	// the down window, so a short spike costs replicas for one window, never
	// a flap.
	if obs.BurstLoad != nil && *obs.BurstLoad > *load && replicasFor(*obs.BurstLoad, per) > cur {
		load, src = obs.BurstLoad, " ("+burstSrc+")"
	}

	rec := replicasFor(*load, per)
	d.Recommended = rec
	ready := obs.Available
	var head string
	if !obs.quiet {
		head = fmt.Sprintf("%s %.4g%s over %s on %d ready", spec.Type, *load, src, target, ready)
	}

	// Burst (Knative's panic mode): the short window needs far more than the
	// ready replicas can serve. Ends after a full stable window without a crossing.
	stable := obs.StableWindow
	if stable <= 0 {
		stable = defaultStableWindow
	}
	var burstRec uint64
	if obs.BurstLoad != nil {
		burstRec = replicasFor(*obs.BurstLoad, per)
		if *obs.BurstLoad > 0 && *obs.BurstLoad >= spec.BurstThreshold*float64(max(ready, 1))*per {
			if d.Next.BurstSince.IsZero() {
				d.Next.BurstSince = now
			}
			d.Next.BurstCrossed = now
		}
	}
	if !d.Next.BurstSince.IsZero() && now.Sub(d.Next.BurstCrossed) >= stable {
		d.Next.BurstSince, d.Next.BurstCrossed = time.Time{}, time.Time{}
	}
	// The window remembers what burst mode asked for too, so the capacity a
	// burst brought is kept for a down window after the burst ends.
	recorded := rec
	if !d.Next.BurstSince.IsZero() {
		recorded = max(rec, burstRec)
	}
	r := Recommendation{At: InstantOf(now), Replicas: recorded}
	if fromAlert {
		r.Expires = InstantOf(now.Add(alertEvidence(*obs)))
	}
	d.Next.Recommendations = record(st.Recommendations, r, spec.DownWindow)
	if !d.Next.BurstSince.IsZero() {
		want := max(cur, rec, burstRec)
		d.Replicas, d.Code = want, CodeBurst
		d.Reason = fmt.Sprintf("%s; burst %.4g %s needs %d (burst since %s, no scale-down) → %d",
			head, derefOr(obs.BurstLoad, 0), burstSrc, burstRec, d.Next.BurstSince.Format(time.TimeOnly), want)
		if v, code, why, changed := clamp(spec, obs, want); changed {
			d.Replicas, d.Code = v, code
			d.Reason = fmt.Sprintf("%s; %s → %d", d.Reason, why, v)
		}
		return d
	}

	capacity := float64(cur) * per
	want, code, why := rec, CodeScaleUp, ""
	loud := !obs.quiet
	if loud {
		why = fmt.Sprintf("%s → %d", head, rec)
	}
	switch {
	case math.Abs(*load-capacity) <= spec.Tolerance*capacity:
		want, code = cur, CodeWithinTolerance
		if loud {
			why = fmt.Sprintf("%s: within ±%.0f%% of %d replicas' capacity %.4g → keep %d",
				head, spec.Tolerance*100, cur, capacity, cur)
		}
	case rec == cur:
		want, code = cur, CodeSteady
		if loud {
			why = fmt.Sprintf("%s needs %d → keep %d", head, rec, cur)
		}
	case rec < cur:
		code = CodeScaleDown
		if hi := min(highest(d.Next.Recommendations, now), cur); hi > rec {
			want, code = hi, CodeStabilising
			if loud {
				why = fmt.Sprintf("%s wants %d; highest in the %v window is %d → %d", head, rec, spec.DownWindow, hi, hi)
			}
		}
	}
	d.Replicas, d.Code, d.Reason = want, code, why
	limitAndClamp(spec, obs, &d, head)
	return d
}

// limitAndClamp bounds a target-mode decision by [floor, max] and by the
// per-evaluation rate limits, naming whichever bound binds: the lower bound
// is max(floor, ceil(cur × ScaleDownRate)) when going down, the upper
// min(max, max(cur × ScaleUpRate, cur + ScaleUpPods)) when going up.
func limitAndClamp(spec *Spec, obs *Observation, d *Decision, head string) {
	cur, want := obs.Replicas, d.Replicas
	lo, loCode, loWhy := floor(spec, obs)
	hi, hiCode := spec.Max, CodeAtMax
	// Which bound set lo and hi; worded only when one binds a loud
	// decision (formatting them for every decision that meets them was
	// most of a quiet pass's formatting).
	downLimited, upLimited := false, false
	if want < cur {
		if dl := uint64(math.Ceil(float64(cur) * spec.ScaleDownRate)); dl > lo {
			lo, loCode, downLimited = dl, CodeRateLimited, true
		}
		if lo > spec.Max { // above max (labels changed): max wins over the rate limit
			lo, loCode, downLimited = spec.Max, CodeAtMax, false
			loWhy = fmt.Sprintf("max %d", spec.Max)
		}
	}
	if want > cur {
		// Saturating: defaults.scale_up_pods (any uint64) set to mean "no
		// limit" wrapped cur + pods to a small count, leaving the rate's
		// limit alone (with a rate of 1: no scale-up at all); a rate far
		// beyond the uint64 range converts to an undefined count.
		if ul := max(ceilToUint(float64(cur)*spec.ScaleUpRate), addCapped(cur, spec.ScaleUpPods, math.MaxUint64)); ul < hi {
			hi, hiCode, upLimited = ul, CodeRateLimited, true
		}
	}
	switch {
	case want < lo:
		d.Replicas, d.Code, d.Reason = lo, loCode, ""
		if !obs.quiet {
			if downLimited {
				loWhy = fmt.Sprintf("scale-down limit %g×%d", spec.ScaleDownRate, cur)
			}
			d.Reason = fmt.Sprintf("%s wants %d; %s → %d", head, want, loWhy, lo)
		}
	case want > hi:
		d.Replicas, d.Code, d.Reason = hi, hiCode, ""
		if !obs.quiet {
			hiWhy := fmt.Sprintf("max %d", spec.Max)
			if upLimited {
				hiWhy = fmt.Sprintf("scale-up limit max(%g×%d, %d+%d)", spec.ScaleUpRate, cur, cur, spec.ScaleUpPods)
			}
			d.Reason = fmt.Sprintf("%s wants %d; %s → %d", head, want, hiWhy, hi)
		}
	}
}

// wakeFromZero decides for a function at zero replicas: stay there unless it
// has load (or a scheduled minimum); then wake to what the load needs, at
// least max(min, 1). No rate limit applies: there is nothing to overshoot from.
func wakeFromZero(spec *Spec, obs *Observation, d Decision, load *float64, per float64, target string) Decision {
	firing := obs.Signal != nil && obs.Signal.Status == Firing
	// Only fresh evidence wakes a function at zero: the burst window (or a
	// firing alert's reading). The stable average still holds the load the
	// function had before it was idled, and waking on it undid every idle
	// whose keep-alive was shorter than the stable window.
	need := replicasFor(derefOr(obs.BurstLoad, 0), per)
	d.Evidence = obs.BurstWindow
	if obs.BurstLoad == nil {
		// No short-window reading (missing, not zero): the stable one, with
		// its age, so the actuator can tell it from load before an idle.
		need, d.Evidence = replicasFor(derefOr(load, 0), per), obs.StableWindow
	}
	if obs.Signal != nil && obs.Signal.Load != nil && obs.BurstLoad == obs.Signal.Load {
		d.Evidence = 0 // the alert's own reading
	}
	if need > 0 && belowActivation(*spec, load, obs.BurstLoad) {
		need = 0
	}
	if need == 0 && !firing {
		d.Evidence = 0 // queued work is counted now
		if qd, ok := wakeForBacklog(*spec, *obs, d); ok {
			return qd
		}
		if obs.ScheduledMin > 0 {
			v, code, why, _ := clamp(spec, obs, 0)
			d.Replicas, d.Code, d.Reason = v, code, fmt.Sprintf("at zero; %s → %d", why, v)
			return d
		}
		d.Code, d.Reason = CodeAtZeroIdle, "at 0 replicas without recent load: left to the idler"
		if load == nil && obs.BurstLoad == nil {
			d.Reason = "at 0 replicas, load missing: left to the idler"
		} else if belowActivation(*spec, load, obs.BurstLoad) && max(derefOr(load, 0), derefOr(obs.BurstLoad, 0)) > 0 {
			d.Reason = fmt.Sprintf("at 0 replicas, queue %.4g below the activation threshold %g: left to the idler",
				max(derefOr(load, 0), derefOr(obs.BurstLoad, 0)), spec.QueueActivation)
		}
		return d
	}
	d.Recommended = need
	v, _, _, _ := clamp(spec, obs, max(need, 1))
	d.Replicas, d.Code = v, CodeFromZero
	if firing && need == 0 {
		d.Evidence = 0
		d.Reason = fmt.Sprintf("at zero with a firing alert %s → %d", obs.Signal.AlertName, v)
	} else {
		d.Reason = fmt.Sprintf("at zero with load %.4g over the last %s%s (stable %.4g) over %s: needs %d → %d",
			derefOr(obs.BurstLoad, 0), obs.BurstWindow, partWords(obs.BurstPart), derefOr(load, 0), target, need, v)
	}
	return d
}

// ceilToUint is ⌈v⌉ for v ≥ 0, saturating at the uint64 range (Go's
// conversion of a float beyond it is implementation-defined).
func ceilToUint(v float64) uint64 {
	if c := math.Ceil(v); c < 1<<64 {
		return uint64(c)
	}
	return math.MaxUint64
}

func derefOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
