package scaler

import (
	"fmt"
	"math"
	"time"
)

// defaultStableWindow is used for burst-mode expiry when an observation does
// not say over which window its stable load was averaged.
const defaultStableWindow = 60 * time.Second

// Decide returns the replica target for one function. It is pure: a function
// of its arguments only, no I/O, no clock.
//
// Zero is never chosen here: a running function is floored at max(min, 1)
// (zero is the idler's decision), a function at zero (a static one too)
// stays there until it has load or a firing alert, and then wakes to at
// least max(min, 1).
func Decide(spec Spec, obs Observation, st State, now time.Time) Decision {
	if obs.Signal != nil && obs.Signal.Down {
		obs.Signal = nil // see Signal.Down: a trigger, not an input
	}
	var d Decision
	switch {
	case spec.Static() && obs.Replicas > 0:
		// At zero (the idler parks an opted-in function there whatever
		// its min) a static function wakes like any other, to its fixed
		// count: kept at zero, a min=max=1 function with
		// com.openfaas.scale.zero=true never woke once idled.
		d = Decision{Replicas: obs.Replicas, Code: CodeStatic, Next: st}
		if !obs.quiet {
			d.Reason = fmt.Sprintf("min = max = %d: static, never scaled (keep %d)", spec.Min, obs.Replicas)
		}
		d.Next = withoutAlertBase(d.Next)
	case spec.Step():
		d = decideStep(spec, obs, st, now)
		d.Next = withoutAlertBase(d.Next)
	default:
		d = decideTarget(&spec, &obs, &st, now)
	}
	if !spec.Step() || spec.ExactCE || spec.Static() {
		// Only step mode's own decision ramps down: a ramp carried through
		// another mode dropped the function to its floor, on an alert
		// resolved long before, when the labels came back to step mode.
		d.Next.RampFrom, d.Next.RampStart, d.Next.StepFoundAt = 0, time.Time{}, time.Time{}
	}
	if !spec.Step() || !spec.ExactCE || spec.Static() {
		// Only exact CE's own decision owes a drop: one carried through
		// another mode dropped the function to its floor when the labels
		// came back to exact CE, on an alert resolved long before.
		d.Next.StepDropOwed, d.Next.StepDropFrom, d.Next.StepDropHeld = time.Time{}, 0, false
	}
	d.Current = obs.Replicas
	d.Scale = d.Replicas != d.Current
	if d.Scale {
		d.Next.LastScale = now
		switch {
		case d.Replicas < d.Current:
			d.Next.LastScaleDir = Down
		case (d.Code == CodeAtMin || d.Code == CodeScheduledMin) && !d.forLoad:
			// The floor set the count, not the load (a floor's code is
			// the decision's when it is above what the load needs).
			// A firing alert's step or wake clamped to the min is a
			// scale-up for load (step mode codes it at_min); a firing
			// alert that was a duplicate set nothing (reviews' findings).
			// So is a floor above the scale-up limit that stopped a load
			// needing more than it (2 → 8 on a scheduled min of 8, the
			// load needing 9: a review's finding); forLoad says which.
			d.Next.LastScaleDir = UpToFloor
		default:
			d.Next.LastScaleDir = Up
		}
	}
	return d
}

// withoutAlertBase is st without the alert's time and base, outside the
// target modes. The base is the count before an alert's load raised it in
// a target mode; carried through step or static mode (or invalid labels,
// decideAndApply), it took the count those modes set back to it, on an
// alert of an hour ago, once the labels came back and the source had no
// data: missing data scaling down.
func withoutAlertBase(st State) State {
	st.AlertLoadAt, st.AlertBase = time.Time{}, 0
	return st
}

// floor is the lowest count for a running function: max(min, 1, scheduled
// minimum), never above max. It says which bound it is.
func floor(spec *Spec, obs *Observation) (uint64, ReasonCode, string) {
	lo, code, why := max(spec.Min, 1), CodeAtMin, ""
	if !obs.quiet {
		why = minWords(lo)
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
	q := load / perReplica
	r := math.Ceil(q)
	// A whole number of replicas' load whose quotient rounds a hair above
	// it is that number: 49 in flight over 7 × 0.7 (4.8999999999999995 in
	// float64) is 10.000000000000002 replicas, and the ceiling asked for
	// 11 (a review's finding). A relative 1e-9 is far below any load a
	// gateway's counters tell apart, and far above float64's error here.
	if f := math.Floor(q); f > 0 && q-f <= 1e-9*f {
		r = f
	}
	if r > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint64(r)
}

// loadOrNil is p, or nil when *p is no amount of load: NaN, ±Inf or
// below zero (missing, never zero).
func loadOrNil(p *float64) *float64 {
	if p == nil || !(*p >= 0) || math.IsInf(*p, 1) {
		return nil
	}
	return p
}

// noLoad words a missing load of type typ; raw is the reading when there
// was one that is no amount of load.
func noLoad(typ string, raw *float64) string {
	if raw != nil {
		return fmt.Sprintf("no %s load (%g is no reading)", typ, *raw)
	}
	return "no " + typ + " load"
}

func derefOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
